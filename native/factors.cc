// Optional native kernels for the factor models: the implicit-ALS half-step (Gramian + one solve per row,
// OpenMP over rows), BPR epochs (lock-free SGD on OpenMP threads) and the scoring product Y x. Long work runs
// off the JavaScript thread as async work and settles a promise. The TypeScript kernels (src/linalg/cg.ts,
// src/parallel/bpr-kernel.ts) compute the same things and are used when this is not built.
#include <node_api.h>
#include "typed_array.h"
#include <omp.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <utility>
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
  int64_t longRow;  // rows with more entries are solved in groups (CG, fixed f); 0: the default
};

inline double row_lambda(const AlsRows& P, int64_t count) {
  return P.nu < 0 ? P.lambda : P.lambda * std::pow((double)count + (double)P.alpha0 * (double)P.nOther, P.nu);
}

struct BprProblem {
  int f;
  float* X;  // users x f
  float* Y;  // items x f
  float* B;  // item bias
  const int32_t* indptr;
  const int32_t* indices;
  const int32_t* rowOf;  // row (user) of every stored entry
  int64_t nnz, nItems;
  float lr, reg;
};

// splitmix64: a small, fast generator with independent streams per seed.
inline uint64_t next_random(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Uniform in [0, n) by multiply-high (Lemire), without a division.
inline uint64_t uniform(uint64_t& state, uint64_t n) {
  return (uint64_t)(((unsigned __int128)next_random(state) * n) >> 64);
}

// FVW: floats per vector of the fixed-f iALS kernels. The AVX-512 build serves only those (its 32 registers hold
// x, r, p and Ap of a 64-factor row); the other kernels keep their AVX2 builds.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
namespace avx512 {
#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl,avx2,fma")
#define FVW 16
#include "factor_kernels.inc"
#undef FVW
#pragma GCC pop_options
}  // namespace avx512
#pragma GCC diagnostic pop

namespace avx2 {
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#define FVW 8
#include "factor_kernels.inc"
#undef FVW
#pragma GCC pop_options
}  // namespace avx2

namespace generic {
#define FVW 4
#include "factor_kernels.inc"
#undef FVW
}  // namespace generic

// CURIO_ALS_ISA=avx2|generic caps the instruction set (tests and benchmarks of the portable paths); read once.
const char* PickIsa() {
  __builtin_cpu_init();
  const char* cap = getenv("CURIO_ALS_ISA");
  const bool allow512 = !cap || strcmp(cap, "avx512") == 0;
  const bool allow2 = allow512 || strcmp(cap, "avx2") == 0;
  if (allow512 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("fma")) return "avx512";
  if (allow2 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "avx2";
  return "generic";
}
const char* const kIsa = PickIsa();

struct Kernels {
  void (*cg_row)(const AlsRows&, int64_t, float*);
  bool (*cholesky_row)(const AlsRows&, int64_t, double*);
  void (*gram_rows)(const float*, int, int64_t, int64_t, double*);
  void (*score_rows)(const float*, int, const float*, int64_t, int64_t, float*);
  void (*bpr_samples)(const BprProblem&, int64_t, uint64_t, double*);
  bool (*cg_group)(const AlsRows&, const int64_t*, int, int32_t*, uint8_t*, float*);
};
const Kernels kKernels = strcmp(kIsa, "avx512") == 0
    ? Kernels{avx512::cg_row_any, avx2::cholesky_row, avx2::gram_rows, avx2::score_rows, avx2::bpr_samples, avx512::cg_group_any}
    : strcmp(kIsa, "avx2") == 0
    ? Kernels{avx2::cg_row_any, avx2::cholesky_row, avx2::gram_rows, avx2::score_rows, avx2::bpr_samples, avx2::cg_group_any}
    : Kernels{generic::cg_row_any, generic::cholesky_row, generic::gram_rows, generic::score_rows, generic::bpr_samples, generic::cg_group_any};

// Entries above which a row is solved in a group: 8192 y rows are 2 MiB at f = 64, an L2 cache.
constexpr int64_t kLongRow = 8192;

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

  // Long rows (more entries than kLongRow: their Y rows overflow L2 and every CG pass would stream them
  // again) are solved in groups of similar length, longest first, so that a pass streams the union of a
  // group's Y rows once. Popular items share most of their users, so this cuts that traffic several times.
  const bool grouped = !cholesky && (f == 32 || f == 64 || f == 128);
  const int64_t longRow = P.longRow > 0 ? P.longRow : kLongRow;
  std::vector<int64_t> longRows;
  if (grouped)
    for (int64_t u = 0; u < nRows; u++)
      if (P.indptr[u + 1] - P.indptr[u] > longRow) longRows.push_back(u);
  std::sort(longRows.begin(), longRows.end(), [&](int64_t a, int64_t b) {
    const int64_t la = P.indptr[a + 1] - P.indptr[a], lb = P.indptr[b + 1] - P.indptr[b];
    return la != lb ? la > lb : a < b;
  });
  constexpr int kGroup = avx2::kGroupMax;
  const int64_t nGroups = ((int64_t)longRows.size() + kGroup - 1) / kGroup;
  int64_t groupEntries = 0;
  for (int64_t g = 0; g < nGroups; g++) {
    int64_t sum = 0;
    for (int64_t k = g * kGroup; k < std::min<int64_t>((int64_t)longRows.size(), (g + 1) * kGroup); k++) sum += P.indptr[longRows[k] + 1] - P.indptr[longRows[k]];
    groupEntries = std::max(groupEntries, sum);
  }

  int64_t failed = 0;
#pragma omp parallel num_threads(threads) reduction(+ : failed)
  {
    std::vector<float> s(4 * (size_t)f);
    std::vector<double> sd(cholesky ? (size_t)(ff + f) : 0);
    if (nGroups > 0) {
      std::vector<int32_t> mPos(groupEntries);
      std::vector<uint8_t> mMember(groupEntries);
      std::vector<float> state(4 * (size_t)kGroup * f);
#pragma omp for schedule(dynamic, 1) nowait
      for (int64_t g = 0; g < nGroups; g++) {
        const int K = (int)std::min<int64_t>(kGroup, (int64_t)longRows.size() - g * kGroup);
        kKernels.cg_group(P, longRows.data() + g * kGroup, K, mPos.data(), mMember.data(), state.data());
      }
    }
    // Rows differ widely in length (popular items): small dynamic chunks keep both threads busy.
#pragma omp for schedule(dynamic, 32)
    for (int64_t u = 0; u < nRows; u++) {
      if (cholesky) {
        if (!kKernels.cholesky_row(P, u, sd.data())) failed++;
      } else if (!grouped || P.indptr[u + 1] - P.indptr[u] <= longRow) {
        kKernels.cg_row(P, u, s.data());
      }
    }
  }
  return failed;
}

// One BPR epoch: `samples` steps split over the threads, each with its own generator stream.
void bpr_epoch(const BprProblem& P, int64_t samples, uint64_t seed, int threads, double* out) {
  std::vector<double> parts(3 * (size_t)threads, 0.0);
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    const int64_t n = samples / nt + (t < samples % nt ? 1 : 0);
    // The stream's start is a hash of (seed, thread): splitmix64 states that differ by a multiple of its step
    // would give shifted copies of one stream, so nearby epoch seeds would replay most of the same triples.
    uint64_t mix = seed ^ ((uint64_t)t << 40);
    uint64_t s = next_random(mix);
    kKernels.bpr_samples(P, n, s, parts.data() + 3 * t);
  }
  for (int k = 0; k < 3; k++) {
    out[k] = 0;
    for (int t = 0; t < threads; t++) out[k] += parts[3 * t + k];
  }
}

// ---------------------------------------------------------------- N-API glue

napi_value Throw(napi_env env, const std::string& msg) {
  napi_throw_type_error(env, nullptr, msg.c_str());
  return nullptr;
}

using curio::typed;

// Work that runs on the libuv pool and settles a promise. `args` are referenced so the typed arrays the work
// reads and writes stay alive until it completes.
struct AsyncJob {
  std::function<void()> execute;
  std::function<napi_value(napi_env)> result;
  std::vector<napi_ref> refs;
  napi_deferred deferred;
  napi_async_work work;
};

napi_value StartJob(napi_env env, const char* name, napi_value* args, size_t nargs, AsyncJob* job) {
  for (size_t k = 0; k < nargs; k++) {
    napi_ref r;
    napi_create_reference(env, args[k], 1, &r);
    job->refs.push_back(r);
  }
  napi_value promise, resource;
  napi_create_promise(env, &job->deferred, &promise);
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &resource);
  napi_create_async_work(
      env, nullptr, resource, [](napi_env, void* d) { static_cast<AsyncJob*>(d)->execute(); },
      [](napi_env env, napi_status status, void* d) {
        auto* job = static_cast<AsyncJob*>(d);
        if (status == napi_ok) {
          napi_resolve_deferred(env, job->deferred, job->result(env));
        } else {
          napi_value msg, err;
          napi_create_string_utf8(env, "native work was cancelled", NAPI_AUTO_LENGTH, &msg);
          napi_create_error(env, nullptr, msg, &err);
          napi_reject_deferred(env, job->deferred, err);
        }
        for (auto& r : job->refs) napi_delete_reference(env, r);
        napi_delete_async_work(env, job->work);
        delete job;
      },
      job, &job->work);
  napi_queue_async_work(env, job->work);
  return promise;
}

// A CSR block (indptr, indices over [0, nCols)) checked before any work starts.
bool valid_rows(const int32_t* indptr, size_t nPtr, const int32_t* indices, size_t nIdx, int64_t nCols, std::string* why) {
  if (nPtr < 1 || indptr[0] != 0 || (size_t)indptr[nPtr - 1] > nIdx) return *why = "indptr does not match indices", false;
  for (size_t r = 0; r + 1 < nPtr; r++)
    if (indptr[r + 1] < indptr[r]) return *why = "indptr is not non-decreasing", false;
  for (size_t q = 0; q < nIdx; q++)
    if (indices[q] < 0 || indices[q] >= nCols) return *why = "an index is outside the other side's rows", false;
  return true;
}

// alsHalfStep(Y: Float32Array, X: Float32Array, indptr: Int32Array, indices: Int32Array, data: Float32Array,
//             p: Float64Array [f, alpha, alpha0, lambda, nu (<0: none), cgSteps, cholesky (0/1), threads,
//                              optional long-row threshold (entries; 0: the default)])
//   -> Promise<number of failed rows>
napi_value AlsHalfStep(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value args[6];
  napi_get_cb_info(env, info, &argc, args, nullptr, nullptr);
  const char* usage = "alsHalfStep(Y: Float32Array, X: Float32Array, indptr: Int32Array, indices: Int32Array, data: Float32Array, params: Float64Array)";
  float *Y, *X, *data;
  int32_t *indptr, *indices;
  double* p;
  size_t nY, nX, nPtr, nIdx, nData, nP;
  if (argc < 6 || !typed(env, args[0], napi_float32_array, &Y, &nY) || !typed(env, args[1], napi_float32_array, &X, &nX) ||
      !typed(env, args[2], napi_int32_array, &indptr, &nPtr) || !typed(env, args[3], napi_int32_array, &indices, &nIdx) ||
      !typed(env, args[4], napi_float32_array, &data, &nData) || !typed(env, args[5], napi_float64_array, &p, &nP) || nP < 8) {
    return Throw(env, usage);
  }
  const int f = (int)p[0];
  if (f <= 0 || nY % f != 0 || nX % f != 0) return Throw(env, "alsHalfStep: factor arrays are not a multiple of f");
  const int64_t nRows = (int64_t)nPtr - 1, nOther = (int64_t)(nY / f);
  if ((int64_t)(nX / f) != nRows) return Throw(env, "alsHalfStep: X has a different number of rows than indptr");
  std::string why;
  if (nIdx != nData || !valid_rows(indptr, nPtr, indices, nIdx, nOther, &why)) return Throw(env, "alsHalfStep: " + (why.empty() ? "data does not match indices" : why));

  AlsRows P{f, Y, X, nullptr, nullptr, indptr, indices, data, (float)p[1], (float)p[2], p[3], p[4], nOther, (int)p[5], nP > 8 ? (int64_t)p[8] : 0};
  const bool cholesky = p[6] != 0;
  const int threads = p[7] >= 1 ? (int)p[7] : 1;
  auto* job = new AsyncJob();
  auto failed = std::make_shared<int64_t>(0);
  job->execute = [=] { *failed = half_step(P, nRows, cholesky, threads); };
  job->result = [=](napi_env env) { napi_value v; napi_create_int64(env, *failed, &v); return v; };
  return StartJob(env, "curio:alsHalfStep", args, 5, job);
}

// bprEpoch(X: Float32Array, Y: Float32Array, B: Float32Array, indptr: Int32Array, indices: Int32Array,
//          rowOf: Int32Array, p: Float64Array [f, learningRate, regularization, samples, seed, threads])
//   -> Promise<[logLik, correct, steps]>
napi_value BprEpoch(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value args[7];
  napi_get_cb_info(env, info, &argc, args, nullptr, nullptr);
  const char* usage = "bprEpoch(X: Float32Array, Y: Float32Array, B: Float32Array, indptr: Int32Array, indices: Int32Array, rowOf: Int32Array, params: Float64Array)";
  float *X, *Y, *B;
  int32_t *indptr, *indices, *rowOf;
  double* p;
  size_t nX, nY, nB, nPtr, nIdx, nRowOf, nP;
  if (argc < 7 || !typed(env, args[0], napi_float32_array, &X, &nX) || !typed(env, args[1], napi_float32_array, &Y, &nY) ||
      !typed(env, args[2], napi_float32_array, &B, &nB) || !typed(env, args[3], napi_int32_array, &indptr, &nPtr) ||
      !typed(env, args[4], napi_int32_array, &indices, &nIdx) || !typed(env, args[5], napi_int32_array, &rowOf, &nRowOf) ||
      !typed(env, args[6], napi_float64_array, &p, &nP) || nP < 6) {
    return Throw(env, usage);
  }
  const int f = (int)p[0];
  const int64_t nUsers = (int64_t)nPtr - 1, nItems = (int64_t)nB;
  if (f <= 0 || nX != (size_t)(nUsers * f) || nY != (size_t)(nItems * f)) return Throw(env, "bprEpoch: factor arrays do not match f, the users of indptr and the items of B");
  std::string why;
  if (!valid_rows(indptr, nPtr, indices, nIdx, nItems, &why)) return Throw(env, "bprEpoch: " + why);
  if (nRowOf != nIdx || nIdx == 0) return Throw(env, "bprEpoch: rowOf must name the row of every stored entry (and there must be one)");
  for (size_t q = 0; q < nRowOf; q++)
    if (rowOf[q] < 0 || rowOf[q] >= nUsers) return Throw(env, "bprEpoch: rowOf names a row outside indptr");

  BprProblem P{f, X, Y, B, indptr, indices, rowOf, (int64_t)nIdx, nItems, (float)p[1], (float)p[2]};
  const int64_t samples = (int64_t)p[3];
  const uint64_t seed = (uint64_t)p[4];
  const int threads = p[5] >= 1 ? (int)p[5] : 1;
  auto* job = new AsyncJob();
  auto out = std::make_shared<std::array<double, 3>>();
  job->execute = [=] { bpr_epoch(P, samples, seed, threads, out->data()); };
  job->result = [=](napi_env env) {
    napi_value arr;
    napi_create_array_with_length(env, 3, &arr);
    for (uint32_t k = 0; k < 3; k++) {
      napi_value v;
      napi_create_double(env, (*out)[k], &v);
      napi_set_element(env, arr, k, v);
    }
    return arr;
  };
  return StartJob(env, "curio:bprEpoch", args, 6, job);
}

// scoreFactors(Y: Float32Array, f: number, x: Float32Array, out: Float32Array): out[j] = Y_j · x for every row j.
napi_value ScoreFactors(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value args[4];
  napi_get_cb_info(env, info, &argc, args, nullptr, nullptr);
  float *Y, *x, *out;
  size_t nY, nx, nOut;
  int32_t f = 0;
  if (argc < 4 || !typed(env, args[0], napi_float32_array, &Y, &nY) || napi_get_value_int32(env, args[1], &f) != napi_ok ||
      !typed(env, args[2], napi_float32_array, &x, &nx) || !typed(env, args[3], napi_float32_array, &out, &nOut)) {
    return Throw(env, "scoreFactors(Y: Float32Array, f: number, x: Float32Array, out: Float32Array)");
  }
  if (f <= 0 || nx < (size_t)f || nY % f != 0 || nOut < nY / f) return Throw(env, "scoreFactors: array sizes do not match f");
  kKernels.score_rows(Y, f, x, 0, (int64_t)(nY / f), out);
  return nullptr;
}

}  // namespace

void RegisterFactorKernels(napi_env env, napi_value exports) {
  const std::pair<const char*, napi_callback> fns[] = {{"alsHalfStep", AlsHalfStep}, {"bprEpoch", BprEpoch}, {"scoreFactors", ScoreFactors}};
  for (const auto& [name, cb] : fns) {
    napi_value fn;
    napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, nullptr, &fn);
    napi_set_named_property(env, exports, name, fn);
  }
  napi_value isa;
  napi_create_string_utf8(env, kIsa, NAPI_AUTO_LENGTH, &isa);
  napi_set_named_property(env, exports, "alsIsa", isa);
}
