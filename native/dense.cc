// Optional native kernel for Curio's dense SPD inverse (EASE). Same algorithm as src/linalg/dense.ts:
// a blocked sweep (symmetric Gauss-Jordan) on the upper triangle of a row-major n x n float64 matrix,
// leaving the full symmetric inverse. The hot loop is a register-blocked 6 x 8 rank-b update; it is
// compiled twice (AVX2+FMA and baseline x86-64) and picked at run time, so the default build needs no
// -march flag. Threads: OpenMP.
#include <node_api.h>
#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

void RegisterFactorKernels(napi_env env, napi_value exports);  // factors.cc
void RegisterEaseKernels(napi_env env, napi_value exports);    // ease.cc
void RegisterSharedKernels(napi_env env, napi_value exports);  // shared.cc

namespace {

constexpr int MR = 6;   // rows of a register tile
constexpr int NR = 8;   // columns of a register tile (two 4-double vectors)
constexpr int NB = 128; // pivot block width
constexpr int NC = 256; // columns per cache chunk of the update (packed V chunk: NB * NC * 8 = 256 KiB)

typedef double v4d __attribute__((vector_size(32), aligned(8)));

// C[i0.., j0..] -= Wp^T Vp over k < b for one MR x NR tile; rows/cols beyond (mi, nj) are not written.
#define CURIO_TILE_KERNEL_BODY                                                              \
  v4d c0a = {0, 0, 0, 0}, c0b = c0a, c1a = c0a, c1b = c0a, c2a = c0a, c2b = c0a;            \
  v4d c3a = c0a, c3b = c0a, c4a = c0a, c4b = c0a, c5a = c0a, c5b = c0a;                     \
  for (int k = 0; k < b; k++) {                                                             \
    v4d va = *(const v4d*)(vp + k * NR), vb = *(const v4d*)(vp + k * NR + 4);               \
    const double* w = wp + k * MR;                                                          \
    v4d w0 = {w[0], w[0], w[0], w[0]};                                                      \
    c0a += w0 * va; c0b += w0 * vb;                                                         \
    v4d w1 = {w[1], w[1], w[1], w[1]};                                                      \
    c1a += w1 * va; c1b += w1 * vb;                                                         \
    v4d w2 = {w[2], w[2], w[2], w[2]};                                                      \
    c2a += w2 * va; c2b += w2 * vb;                                                         \
    v4d w3 = {w[3], w[3], w[3], w[3]};                                                      \
    c3a += w3 * va; c3b += w3 * vb;                                                         \
    v4d w4 = {w[4], w[4], w[4], w[4]};                                                      \
    c4a += w4 * va; c4b += w4 * vb;                                                         \
    v4d w5 = {w[5], w[5], w[5], w[5]};                                                      \
    c5a += w5 * va; c5b += w5 * vb;                                                         \
  }                                                                                         \
  v4d acc[MR][2] = {{c0a, c0b}, {c1a, c1b}, {c2a, c2b}, {c3a, c3b}, {c4a, c4b}, {c5a, c5b}}; \
  if (mi == MR && nj == NR) {                                                               \
    for (int r = 0; r < MR; r++) {                                                          \
      double* row = c + (int64_t)r * n;                                                     \
      *(v4d*)row -= acc[r][0];                                                              \
      *(v4d*)(row + 4) -= acc[r][1];                                                        \
    }                                                                                       \
  } else {                                                                                  \
    for (int r = 0; r < mi; r++)                                                            \
      for (int q = 0; q < nj; q++) c[(int64_t)r * n + q] -= acc[r][q >> 2][q & 3];          \
  }

__attribute__((target("avx2,fma"))) void tile_avx2(double* c, int64_t n, const double* wp, const double* vp, int b, int mi, int nj) {
  CURIO_TILE_KERNEL_BODY
}

void tile_generic(double* c, int64_t n, const double* wp, const double* vp, int b, int mi, int nj) {
  CURIO_TILE_KERNEL_BODY
}

typedef void (*TileFn)(double*, int64_t, const double*, const double*, int, int, int);

TileFn pick_kernel() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return tile_avx2;
  return tile_generic;
}

// Inverts the b x b pivot block (upper triangle of a at k0) into d (full) by a scalar sweep; -1 or bad index.
int64_t invert_pivot(const double* a, int64_t n, int64_t k0, int b, double* d) {
  for (int i = 0; i < b; i++)
    for (int j = i; j < b; j++) d[i * b + j] = d[j * b + i] = a[(k0 + i) * n + k0 + j];
  for (int p = 0; p < b; p++) {
    double piv = d[p * b + p];
    if (!(piv > 0)) return k0 + p;
    double inv = 1 / piv;
    for (int i = 0; i < b; i++) {
      if (i == p) continue;
      double f = d[i * b + p] * inv;
      if (f == 0) continue;
      for (int j = 0; j < b; j++)
        if (j != p) d[i * b + j] -= f * d[p * b + j];
    }
    for (int i = 0; i < b; i++)
      if (i != p) { d[i * b + p] *= inv; d[p * b + i] *= inv; }
    d[p * b + p] = -inv;
  }
  for (int q = 0; q < b * b; q++) d[q] = -d[q];
  return -1;
}

// The sweep; returns -1 or the index of the first non-positive pivot.
int64_t spd_inverse_upper(double* a, int64_t n, int threads) {
  TileFn tile = pick_kernel();
  const int64_t rowTiles = (n + MR - 1) / MR, colTiles = (n + NR - 1) / NR;
  // vt, wt: b x n row-major (old pivot rows, and D times them); vp, wp: micro-panel packed copies.
  std::vector<double> d(NB * NB), vt((size_t)NB * n), wt((size_t)NB * n);
  double* vp = static_cast<double*>(aligned_alloc(64, (size_t)colTiles * NR * NB * 8 + 64));
  double* wp = static_cast<double*>(aligned_alloc(64, (size_t)rowTiles * MR * NB * 8 + 64));
  int64_t bad = -1;
  omp_set_num_threads(std::max(1, threads));
  for (int64_t k0 = 0; k0 < n && bad < 0; k0 += NB) {
    const int b = (int)std::min<int64_t>(NB, n - k0);
    const int64_t k1 = k0 + b;
    bad = invert_pivot(a, n, k0, b, d.data());
    if (bad >= 0) break;
#pragma omp parallel
    {
      // Gather the pivot row panel (zero inside K: those rows/cols are rewritten after the update) and W = D V.
#pragma omp for schedule(static)
      for (int64_t j0 = 0; j0 < n; j0 += 256) {
        const int64_t j1 = std::min(n, j0 + 256);
        for (int k = 0; k < b; k++) {
          double* v = vt.data() + (size_t)k * n;
          for (int64_t j = j0; j < j1; j++)
            v[j] = j >= k1 ? a[(k0 + k) * n + j] : j < k0 ? a[j * n + k0 + k] : 0.0;
        }
        for (int k = 0; k < b; k++) {
          double* w = wt.data() + (size_t)k * n;
          for (int64_t j = j0; j < j1; j++) w[j] = 0;
          for (int l = 0; l < b; l++) {
            const double f = d[k * b + l];
            const double* v = vt.data() + (size_t)l * n;
            for (int64_t j = j0; j < j1; j++) w[j] += f * v[j];
          }
        }
      }
#pragma omp for schedule(static)
      for (int64_t t = 0; t < colTiles; t++) {
        double* p = vp + (size_t)t * NR * NB;
        for (int k = 0; k < b; k++)
          for (int q = 0; q < NR; q++) {
            int64_t j = t * NR + q;
            p[k * NR + q] = j < n ? vt[(size_t)k * n + j] : 0.0;
          }
      }
#pragma omp for schedule(static)
      for (int64_t t = 0; t < rowTiles; t++) {
        double* p = wp + (size_t)t * MR * NB;
        for (int k = 0; k < b; k++)
          for (int r = 0; r < MR; r++) {
            int64_t i = t * MR + r;
            p[k * MR + r] = i < n ? wt[(size_t)k * n + i] : 0.0;
          }
      }
      // Upper-triangle update: tiles whose columns reach the diagonal or beyond. Writes that land below the
      // diagonal inside a crossing tile are harmless (the lower triangle is rebuilt at the end).
      for (int64_t jc = 0; jc < n; jc += NC) {
        const int64_t jcEnd = std::min(n, jc + NC);
        const int64_t tiEnd = (jcEnd - 1) / MR + 1;
#pragma omp for schedule(dynamic, 4)
        for (int64_t ti = 0; ti < tiEnd; ti++) {
          const int64_t i0 = ti * MR;
          const int mi = (int)std::min<int64_t>(MR, n - i0);
          if (i0 >= k0 && i0 + mi <= k1) continue; // tile inside K: W is zero there
          const int64_t jStart = std::max(jc, (i0 / NR) * NR);
          for (int64_t j0 = jStart; j0 < jcEnd; j0 += NR) {
            if (j0 >= k0 && j0 + NR <= k1) continue;
            const int nj = (int)std::min<int64_t>(NR, n - j0);
            tile(a + i0 * n + j0, n, wp + ti * MR * NB, vp + (j0 / NR) * NR * NB, b, mi, nj);
          }
        }
      }
      // New pivot row/column panel and pivot block.
#pragma omp for schedule(static)
      for (int64_t j = 0; j < n; j++) {
        if (j >= k1) for (int k = 0; k < b; k++) a[(k0 + k) * n + j] = wt[(size_t)k * n + j];
        else if (j < k0) for (int k = 0; k < b; k++) a[j * n + k0 + k] = wt[(size_t)k * n + j];
      }
    }
    for (int i = 0; i < b; i++)
      for (int j = i; j < b; j++) a[(k0 + i) * n + k0 + j] = -d[i * b + j];
  }
  if (bad < 0) {
    // -inverse in the upper triangle: negate and mirror, by blocks so the transposed writes stay in cache.
    const int64_t B = 64;
#pragma omp parallel for schedule(dynamic, 1)
    for (int64_t bi = 0; bi < n; bi += B) {
      const int64_t iEnd = std::min(n, bi + B);
      for (int64_t i = bi; i < iEnd; i++)
        for (int64_t j = i; j < n; j++) a[i * n + j] = -a[i * n + j];
      for (int64_t bj = bi; bj < n; bj += B) {
        const int64_t jEnd = std::min(n, bj + B);
        for (int64_t i = bi; i < iEnd; i++)
          for (int64_t j = std::max(bj, i + 1); j < jEnd; j++) a[j * n + i] = a[i * n + j];
      }
    }
  }
  free(vp);
  free(wp);
  return bad;
}

napi_value SpdInverseUpper(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value args[3];
  napi_get_cb_info(env, info, &argc, args, nullptr, nullptr);
  if (argc < 3) {
    napi_throw_type_error(env, nullptr, "spdInverseUpper(a: Float64Array, n: number, threads: number)");
    return nullptr;
  }
  napi_typedarray_type type;
  size_t length;
  void* data;
  napi_value buf;
  size_t offset;
  if (napi_get_typedarray_info(env, args[0], &type, &length, &data, &buf, &offset) != napi_ok || type != napi_float64_array) {
    napi_throw_type_error(env, nullptr, "a must be a Float64Array");
    return nullptr;
  }
  int64_t n;
  int32_t threads;
  napi_get_value_int64(env, args[1], &n);
  napi_get_value_int32(env, args[2], &threads);
  if (n < 0 || (uint64_t)(n * n) > length) {
    napi_throw_range_error(env, nullptr, "matrix is smaller than n x n");
    return nullptr;
  }
  int64_t bad = spd_inverse_upper(static_cast<double*>(data), n, threads);
  napi_value result;
  napi_create_int64(env, bad, &result);
  return result;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "spdInverseUpper", NAPI_AUTO_LENGTH, SpdInverseUpper, nullptr, &fn);
  napi_set_named_property(env, exports, "spdInverseUpper", fn);
  RegisterFactorKernels(env, exports);
  RegisterEaseKernels(env, exports);
  RegisterSharedKernels(env, exports);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
