// Optional native kernels for the factor models: the implicit-ALS half-step (Gramian + one solve per row,
// OpenMP over rows, run off the JavaScript thread as async work) and the scoring product Y x.
// The TypeScript kernels in src/linalg/cg.ts compute the same thing and are used when this is not built.
#include <node_api.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace {

struct AlsRows {
  int f;
  const float* Y;   // fixed side, nOther x f
  float* X;         // rows being solved, nRows x f (warm start in, solution out)
  const float* G;   // α0 YᵀY, f x f, float (CG)
  const double* Gd; // the same in float64 (Cholesky)
  const int32_t* indptr;
  const int32_t* indices;
  const float* data;
  float alpha, alpha0;
  double lambda, nu;  // nu < 0: constant λ
  int64_t nOther;
  int steps;
};

inline double row_lambda(const AlsRows& P, int64_t count) {
  return P.nu < 0 ? P.lambda : P.lambda * std::pow((double)count + (double)P.alpha0 * (double)P.nOther, P.nu);
}

namespace avx2 {
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#include "als_kernel.inc"
#pragma GCC pop_options
}  // namespace avx2

namespace generic {
#include "als_kernel.inc"
}  // namespace generic

bool HasAvx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
const bool kAvx2 = HasAvx2();

struct Kernels {
  void (*cg_row)(const AlsRows&, int64_t, float*);
  bool (*cholesky_row)(const AlsRows&, int64_t, double*);
  void (*gram_rows)(const float*, int, int64_t, int64_t, double*);
  void (*score_rows)(const float*, int, const float*, int64_t, int64_t, float*);
};
const Kernels kKernels = kAvx2
    ? Kernels{avx2::cg_row, avx2::cholesky_row, avx2::gram_rows, avx2::score_rows}
    : Kernels{generic::cg_row, generic::cholesky_row, generic::gram_rows, generic::score_rows};

// One half-step: G = α0 YᵀY, then every row of X solved against Y. Returns rows whose system was not
// positive definite (Cholesky only).
int64_t half_step(AlsRows P, int64_t nRows, bool cholesky, int threads) {
  const int f = P.f;
  const int64_t ff = (int64_t)f * f;
  std::vector<double> Gd(ff, 0.0);
  std::vector<float> G(ff);
  // Partial Gramians over fixed blocks of rows, summed in block order: the result does not depend on the
  // number of threads, so fits are reproducible across machines.
  constexpr int64_t kGramBlock = 4096;
  const int64_t nBlocks = (P.nOther + kGramBlock - 1) / kGramBlock;
  std::vector<double> parts(nBlocks * ff, 0.0);
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
  for (int64_t b = 0; b < nBlocks; b++)
    kKernels.gram_rows(P.Y, f, b * kGramBlock, std::min(P.nOther, (b + 1) * kGramBlock), parts.data() + b * ff);
  for (int64_t b = 0; b < nBlocks; b++)
    for (int64_t k = 0; k < ff; k++) Gd[k] += parts[b * ff + k];
  for (int i = 0; i < f; i++)
    for (int j = i; j < f; j++) {
      const double v = Gd[(int64_t)i * f + j] * P.alpha0;
      Gd[(int64_t)i * f + j] = Gd[(int64_t)j * f + i] = v;
    }
  for (int64_t k = 0; k < ff; k++) G[k] = (float)Gd[k];
  P.G = G.data();
  P.Gd = Gd.data();

  int64_t failed = 0;
#pragma omp parallel num_threads(threads) reduction(+ : failed)
  {
    std::vector<float> s(4 * (size_t)f);
    std::vector<double> sd(cholesky ? (size_t)(ff + f) : 0);
    // Rows differ widely in length (popular items): small dynamic chunks keep both threads busy.
#pragma omp for schedule(dynamic, 32)
    for (int64_t u = 0; u < nRows; u++) {
      if (cholesky) {
        if (!kKernels.cholesky_row(P, u, sd.data())) failed++;
      } else {
        kKernels.cg_row(P, u, s.data());
      }
    }
  }
  return failed;
}

// ---------------------------------------------------------------- N-API glue

template <typename T>
bool typed(napi_env env, napi_value v, napi_typedarray_type want, T** out, size_t* len) {
  napi_typedarray_type type;
  size_t length;
  void* data;
  napi_value buf;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, &length, &data, &buf, &offset) != napi_ok || type != want) return false;
  *out = static_cast<T*>(data);
  *len = length;
  return true;
}

struct HalfStepWork {
  AlsRows P;
  int64_t nRows;
  bool cholesky;
  int threads;
  int64_t failed = 0;
  napi_ref refs[5];
  napi_deferred deferred;
  napi_async_work work;
};

void HalfStepExecute(napi_env, void* data) {
  auto* w = static_cast<HalfStepWork*>(data);
  w->failed = half_step(w->P, w->nRows, w->cholesky, w->threads);
}

void HalfStepComplete(napi_env env, napi_status status, void* data) {
  auto* w = static_cast<HalfStepWork*>(data);
  if (status == napi_ok) {
    napi_value v;
    napi_create_int64(env, w->failed, &v);
    napi_resolve_deferred(env, w->deferred, v);
  } else {
    napi_value msg, err;
    napi_create_string_utf8(env, "alsHalfStep was cancelled", NAPI_AUTO_LENGTH, &msg);
    napi_create_error(env, nullptr, msg, &err);
    napi_reject_deferred(env, w->deferred, err);
  }
  for (auto& r : w->refs) napi_delete_reference(env, r);
  napi_delete_async_work(env, w->work);
  delete w;
}

napi_value Throw(napi_env env, const char* msg) {
  napi_throw_type_error(env, nullptr, msg);
  return nullptr;
}

// alsHalfStep(Y: Float32Array, X: Float32Array, indptr: Int32Array, indices: Int32Array, data: Float32Array,
//             p: Float64Array [f, alpha, alpha0, lambda, nu (<0: none), cgSteps, cholesky (0/1), threads])
//   -> Promise<number of failed rows>
napi_value AlsHalfStep(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value args[6];
  napi_get_cb_info(env, info, &argc, args, nullptr, nullptr);
  const char* usage = "alsHalfStep(Y: Float32Array, X: Float32Array, indptr: Int32Array, indices: Int32Array, data: Float32Array, params: Float64Array)";
  if (argc < 6) return Throw(env, usage);
  float *Y, *X, *data;
  int32_t *indptr, *indices;
  double* p;
  size_t nY, nX, nPtr, nIdx, nData, nP;
  if (!typed(env, args[0], napi_float32_array, &Y, &nY) || !typed(env, args[1], napi_float32_array, &X, &nX) ||
      !typed(env, args[2], napi_int32_array, &indptr, &nPtr) || !typed(env, args[3], napi_int32_array, &indices, &nIdx) ||
      !typed(env, args[4], napi_float32_array, &data, &nData) || !typed(env, args[5], napi_float64_array, &p, &nP) || nP < 8) {
    return Throw(env, usage);
  }
  const int f = (int)p[0];
  if (f <= 0 || nPtr < 1 || nY % f != 0 || nX % f != 0) return Throw(env, "alsHalfStep: factor arrays are not a multiple of f");
  const int64_t nRows = (int64_t)nPtr - 1, nOther = (int64_t)(nY / f);
  if ((int64_t)(nX / f) != nRows) return Throw(env, "alsHalfStep: X has a different number of rows than indptr");
  if ((size_t)indptr[nRows] > nIdx || nIdx != nData) return Throw(env, "alsHalfStep: indices/data do not match indptr");
  for (size_t q = 0; q < nIdx; q++)
    if (indices[q] < 0 || indices[q] >= nOther) return Throw(env, "alsHalfStep: an index is outside the fixed side's rows");

  auto* w = new HalfStepWork();
  w->P = AlsRows{f, Y, X, nullptr, nullptr, indptr, indices, data, (float)p[1], (float)p[2], p[3], p[4], nOther, (int)p[5]};
  w->nRows = nRows;
  w->cholesky = p[6] != 0;
  w->threads = p[7] >= 1 ? (int)p[7] : 1;
  for (int k = 0; k < 5; k++) napi_create_reference(env, args[k], 1, &w->refs[k]);
  napi_value promise, name;
  napi_create_promise(env, &w->deferred, &promise);
  napi_create_string_utf8(env, "curio:alsHalfStep", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, nullptr, name, HalfStepExecute, HalfStepComplete, w, &w->work);
  napi_queue_async_work(env, w->work);
  return promise;
}

// scoreFactors(Y: Float32Array, f: number, x: Float32Array, out: Float32Array): out[j] = Y_j · x for every row j.
napi_value ScoreFactors(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value args[4];
  napi_get_cb_info(env, info, &argc, args, nullptr, nullptr);
  const char* usage = "scoreFactors(Y: Float32Array, f: number, x: Float32Array, out: Float32Array)";
  if (argc < 4) return Throw(env, usage);
  float *Y, *x, *out;
  size_t nY, nx, nOut;
  int32_t f = 0;
  if (!typed(env, args[0], napi_float32_array, &Y, &nY) || napi_get_value_int32(env, args[1], &f) != napi_ok ||
      !typed(env, args[2], napi_float32_array, &x, &nx) || !typed(env, args[3], napi_float32_array, &out, &nOut)) {
    return Throw(env, usage);
  }
  if (f <= 0 || nx < (size_t)f || nY % f != 0 || nOut < nY / f) return Throw(env, "scoreFactors: array sizes do not match f");
  kKernels.score_rows(Y, f, x, 0, (int64_t)(nY / f), out);
  return nullptr;
}

}  // namespace

void RegisterAls(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "alsHalfStep", NAPI_AUTO_LENGTH, AlsHalfStep, nullptr, &fn);
  napi_set_named_property(env, exports, "alsHalfStep", fn);
  napi_create_function(env, "scoreFactors", NAPI_AUTO_LENGTH, ScoreFactors, nullptr, &fn);
  napi_set_named_property(env, exports, "scoreFactors", fn);
  napi_value isa;
  napi_create_string_utf8(env, kAvx2 ? "avx2" : "generic", NAPI_AUTO_LENGTH, &isa);
  napi_set_named_property(env, exports, "alsIsa", isa);
}
