// The float32 EASE fit (Steck 2019) in one native call: the Gram matrix G = XᵀX + λI of a sparse CSR X, its
// inverse P in place by a blocked sweep whose hot loop is a register-tiled float32 GEMM step, and the weights
// B_ij = -P_ij / P_jj (B_ii = 0), all in one n x n float32 buffer that becomes the model's weights. Memory is
// that buffer plus O(n * 128) panels (scipy.linalg.inv needs the float32 Gram and its inverse: twice as much).
// Float64 where accuracy needs it: Gram sums, the pivot-block inverses, the weights' 1 / P_jj.
// The tile kernel is compiled for AVX-512, AVX2+FMA and baseline x86-64 and picked at run time.
#include <node_api.h>
#include "typed_array.h"
#include <omp.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <vector>

namespace {

namespace avx512 {
#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl,avx2,fma")
#define EASE_VW 16
#define EASE_MR 12
#ifndef EASE_NB
#define EASE_NB 128
#endif
#ifndef EASE_NC
#define EASE_NC 1024
#endif
#include "ease_kernels.inc"
#undef EASE_VW
#undef EASE_MR
#pragma GCC pop_options
}  // namespace avx512

namespace avx2 {
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#define EASE_VW 8
#define EASE_MR 6
#include "ease_kernels.inc"
#undef EASE_VW
#undef EASE_MR
#pragma GCC pop_options
}  // namespace avx2

namespace generic {
#define EASE_VW 4
#define EASE_MR 6
#include "ease_kernels.inc"
#undef EASE_VW
#undef EASE_MR
}  // namespace generic

typedef int64_t (*SweepFn)(float*, int64_t, int);

// CURIO_EASE_ISA=avx2|generic caps the instruction set (tests and benchmarks of the portable paths).
const char* pick_isa() {
  __builtin_cpu_init();
  const char* cap = getenv("CURIO_EASE_ISA");
  const bool allow512 = !cap || strcmp(cap, "avx512") == 0;
  const bool allow2 = allow512 || strcmp(cap, "avx2") == 0;
  if (allow512 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("fma")) return "avx512";
  if (allow2 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "avx2";
  return "generic";
}

SweepFn sweep_for(const char* isa) {
  if (strcmp(isa, "avx512") == 0) return avx512::sweep;
  if (strcmp(isa, "avx2") == 0) return avx2::sweep;
  return generic::sweep;
}

// Upper triangle of XᵀX + λI into a (float32, row-major n x n). Item rows are done in chunks of kRows: each
// chunk's sums are kept in a float64 scratch (so weighted data loses nothing to float32 accumulation) and
// converted once. An item's users come from a column index built here; each user row is read from that item
// on, so the cost is Σ_users (row length)² / 2, not n² x users.
void gram_upper(const int32_t* indptr, const int32_t* indices, const float* data, int64_t rows, int64_t n,
                double lambda, float* a, int threads) {
  const int64_t nnz = indptr[rows];
  std::vector<int64_t> colptr(n + 1, 0);
  for (int64_t p = 0; p < nnz; p++) colptr[indices[p] + 1]++;
  for (int64_t j = 0; j < n; j++) colptr[j + 1] += colptr[j];
  std::vector<int32_t> posUser(2 * (size_t)nnz);  // per entry of column j: (position in CSR, user)
  {
    std::vector<int64_t> fill(colptr.begin(), colptr.end() - 1);
    for (int64_t u = 0; u < rows; u++)
      for (int64_t p = indptr[u]; p < indptr[u + 1]; p++) {
        const int64_t o = fill[indices[p]]++;
        posUser[2 * o] = (int32_t)p;
        posUser[2 * o + 1] = (int32_t)u;
      }
  }
  constexpr int64_t kRows = 16;
#pragma omp parallel num_threads(threads)
  {
    std::vector<double> acc((size_t)kRows * n, 0.0);
#pragma omp for schedule(dynamic, 1)
    for (int64_t r0 = 0; r0 < n; r0 += kRows) {
      const int64_t r1 = r0 + kRows < n ? r0 + kRows : n;
      for (int64_t i = r0; i < r1; i++) {
        double* row = acc.data() + (i - r0) * n;
        for (int64_t q = colptr[i]; q < colptr[i + 1]; q++) {
          const int64_t p = posUser[2 * q], e = indptr[posUser[2 * q + 1] + 1];
          const double v = data[p];
          for (int64_t t = p; t < e; t++) row[indices[t]] += v * data[t];
        }
        row[i] += lambda;
        float* out = a + i * n;
        for (int64_t j = i; j < n; j++) out[j] = (float)row[j];
        memset(row, 0, sizeof(double) * n);
      }
    }
  }
}

// From -P in the upper triangle (what the sweep leaves) to the full B in place: B_ij = -P_ij / P_jj,
// B_ji = -P_ij / P_ii, B_ii = 0. Blocked so that the transposed writes stay in cache.
void weights_from_upper(float* a, int64_t n, int threads) {
  std::vector<double> s(n);
  for (int64_t j = 0; j < n; j++) s[j] = -1.0 / (double)a[j * n + j];  // a_jj = -P_jj: s_j = 1 / P_jj
  constexpr int64_t B = 64;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
  for (int64_t bi = 0; bi < n; bi += B) {
    const int64_t iEnd = bi + B < n ? bi + B : n;
    for (int64_t bj = bi; bj < n; bj += B) {
      const int64_t jEnd = bj + B < n ? bj + B : n;
      for (int64_t i = bi; i < iEnd; i++) {
        const double si = s[i];
        for (int64_t j = (bj > i + 1 ? bj : i + 1); j < jEnd; j++) {
          const double u = a[i * n + j];  // -P_ij
          a[i * n + j] = (float)(u * s[j]);
          a[j * n + i] = (float)(u * si);
        }
      }
    }
    for (int64_t i = bi; i < iEnd; i++) a[i * n + i] = 0.0f;
  }
}

// CPU seconds of the whole process (all threads): on a shared machine, work is better compared by this than
// by wall time.
double cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

using curio::typed;

// easeFloat32(indptr: Int32Array, indices: Int32Array, data: Float32Array, n: number, lambda: number,
//             threads: number, out: Float32Array (n*n), seconds: Float64Array(3 or 6)) -> -1 | first bad pivot
// seconds: wall time of the Gram, inverse and weights steps, then (if it has 6 slots) their CPU time.
napi_value EaseFloat32(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value args[8];
  napi_get_cb_info(env, info, &argc, args, nullptr, nullptr);
  int32_t *indptr, *indices;
  float *data, *out;
  double* seconds;
  size_t nPtr, nIdx, nData, nOut, nSec;
  int64_t n = 0;
  double lambda = 0;
  int32_t threads = 1;
  if (argc < 8 || !typed(env, args[0], napi_int32_array, &indptr, &nPtr) || !typed(env, args[1], napi_int32_array, &indices, &nIdx) ||
      !typed(env, args[2], napi_float32_array, &data, &nData) || napi_get_value_int64(env, args[3], &n) != napi_ok ||
      napi_get_value_double(env, args[4], &lambda) != napi_ok || napi_get_value_int32(env, args[5], &threads) != napi_ok ||
      !typed(env, args[6], napi_float32_array, &out, &nOut) || !typed(env, args[7], napi_float64_array, &seconds, &nSec) || nSec < 3) {
    napi_throw_type_error(env, nullptr, "easeFloat32(indptr: Int32Array, indices: Int32Array, data: Float32Array, n: number, lambda: number, threads: number, out: Float32Array, seconds: Float64Array)");
    return nullptr;
  }
  const int64_t rows = (int64_t)nPtr - 1;
  const char* bad = nullptr;
  if (rows < 0 || n < 0 || (uint64_t)n * (uint64_t)n > nOut) bad = "easeFloat32: out is smaller than n x n";
  else if (indptr[0] != 0 || (size_t)indptr[rows] > nIdx || (size_t)indptr[rows] > nData) bad = "easeFloat32: indptr does not match indices and data";
  for (int64_t u = 0; !bad && u < rows; u++) {
    if (indptr[u + 1] < indptr[u]) { bad = "easeFloat32: indptr is not non-decreasing"; break; }
    // The Gram kernel pairs each entry with the ones after it in its row: rows must be sorted.
    for (int64_t p = indptr[u]; p < indptr[u + 1]; p++) {
      if (indices[p] < 0 || indices[p] >= n) { bad = "easeFloat32: an item index is outside 0..n-1"; break; }
      if (p > indptr[u] && indices[p] <= indices[p - 1]) { bad = "easeFloat32: item indices within a row must be strictly ascending"; break; }
    }
  }
  if (bad) {
    napi_throw_range_error(env, nullptr, bad);
    return nullptr;
  }
  if (threads < 1) threads = 1;
  double t[4], c[4];
  t[0] = omp_get_wtime(), c[0] = cpu_seconds();
  gram_upper(indptr, indices, data, rows, n, lambda, out, threads);
  t[1] = omp_get_wtime(), c[1] = cpu_seconds();
  const int64_t failed = sweep_for(pick_isa())(out, n, threads);
  t[2] = omp_get_wtime(), c[2] = cpu_seconds();
  if (failed < 0) weights_from_upper(out, n, threads);
  t[3] = omp_get_wtime(), c[3] = cpu_seconds();
  for (int k = 0; k < 3; k++) {
    seconds[k] = t[k + 1] - t[k];
    if (nSec >= 6) seconds[3 + k] = c[k + 1] - c[k];
  }
  napi_value result;
  napi_create_int64(env, failed, &result);
  return result;
}

}  // namespace

void RegisterEaseKernels(napi_env env, napi_value exports) {
  napi_value fn, isa;
  napi_create_function(env, "easeFloat32", NAPI_AUTO_LENGTH, EaseFloat32, nullptr, &fn);
  napi_set_named_property(env, exports, "easeFloat32", fn);
  napi_create_string_utf8(env, pick_isa(), NAPI_AUTO_LENGTH, &isa);
  napi_set_named_property(env, exports, "easeIsa", isa);
}
