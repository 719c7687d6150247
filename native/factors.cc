// Optional native kernels for the factor models: the implicit-ALS half-step (Gramian + one solve per row,
// OpenMP over rows), BPR epochs (lock-free SGD on OpenMP threads) and the scoring product Y x. Long work runs
// off the JavaScript thread as async work and settles a promise. The TypeScript kernels (src/linalg/cg.ts,
// src/parallel/bpr-kernel.ts) compute the same things and are used when this is not built.
#include <node_api.h>
#include "typed_array.h"
#include <omp.h>
#include <immintrin.h>

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
  bool (*ials_explain_factor)(const float*, int, const double*, double, double, double, const int32_t*, const float*,
                              int64_t, double*, double*, double*, double*);
  void (*ials_explain_items)(const double*, const double*, int64_t, const int32_t*, const float*, int, const int32_t*, int64_t,
                             const double*, double, int, double*, int32_t*, double*, double*, double*, double*, double*, int64_t*);
};
const Kernels kKernels = strcmp(kIsa, "avx512") == 0
    ? Kernels{avx512::cg_row_any, avx2::cholesky_row, avx2::gram_rows, avx2::score_rows, avx2::bpr_samples, avx512::cg_group_any, avx2::ials_explain_factor, avx2::ials_explain_items}
    : strcmp(kIsa, "avx2") == 0
    ? Kernels{avx2::cg_row_any, avx2::cholesky_row, avx2::gram_rows, avx2::score_rows, avx2::bpr_samples, avx2::cg_group_any, avx2::ials_explain_factor, avx2::ials_explain_items}
    : Kernels{generic::cg_row_any, generic::cholesky_row, generic::gram_rows, generic::score_rows, generic::bpr_samples, generic::cg_group_any, generic::ials_explain_factor, generic::ials_explain_items};

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

// One entry of the top-k heap: a score and its catalogue index. The root is the worst kept entry: the lowest
// score, and among equal scores the highest index (src/linalg/topk.ts orders the same way).
struct Scored {
  float s;
  int32_t c;
};
inline bool worse(const Scored& a, const Scored& b) { return a.s < b.s || (a.s == b.s && a.c > b.c); }

// The served list of a factor model without a catalogue-sized score array: rows of Y scored block by block
// (score_rows, so each score is bit for bit the one scoreFactors gives), each row mapped to the catalogue
// (toCatalog, -1: not served) and kept when allowed, the k best in a heap. Returns the candidates counted
// (allowed, mapped, score > -inf); outItems/outScores get min(k, count) entries, best first.
int64_t top_factors(const float* Y, int f, int64_t nRows, const float* x, const int32_t* toCatalog, const uint8_t* allowed,
                    int64_t nAllowed, int k, int32_t* outItems, float* outScores, int* outLen) {
  constexpr int64_t kBlock = 512;  // a multiple of 4: score_rows groups rows from each block's start
  float buf[kBlock];
  std::vector<Scored> heap;
  heap.reserve(k > 0 ? k : 0);
  int64_t count = 0;
  auto sift_down = [&](size_t c, Scored v) {
    const size_t n = heap.size();
    for (;;) {
      const size_t l = 2 * c + 1;
      if (l >= n) break;
      const size_t r = l + 1;
      const size_t m = r < n && worse(heap[r], heap[l]) ? r : l;
      if (!worse(heap[m], v)) break;
      heap[c] = heap[m];
      c = m;
    }
    heap[c] = v;
  };
  for (int64_t start = 0; start < nRows; start += kBlock) {
    const int64_t end = std::min(nRows, start + kBlock);
    kKernels.score_rows(Y + start * f, f, x, 0, end - start, buf);
    for (int64_t j = start; j < end; j++) {
      const int32_t c = toCatalog[j];
      if (c < 0 || c >= nAllowed || !allowed[c]) continue;
      const float s = buf[j - start];
      if (!(s > -INFINITY)) continue;  // NaN and -inf are never candidates
      count++;
      if (k <= 0) continue;
      const Scored v{s, c};
      if ((int)heap.size() < k) {
        size_t i = heap.size();
        heap.push_back(v);
        while (i > 0) {
          const size_t p = (i - 1) >> 1;
          if (!worse(v, heap[p])) break;
          heap[i] = heap[p];
          i = p;
        }
        heap[i] = v;
      } else if (worse(heap[0], v)) {
        sift_down(0, v);
      }
    }
  }
  // Pop worst-first into the back of the output.
  const int len = (int)heap.size();
  for (int end = len - 1; end >= 0; end--) {
    outItems[end] = heap[0].c;
    outScores[end] = heap[0].s;
    const Scored last = heap[end];
    heap.pop_back();
    if (end > 0) sift_down(0, last);
  }
  *outLen = len;
  return count;
}

// top_factors over the rows in order of decreasing norm (order[p] is the row, norms[p] its Euclidean norm in float64;
// rows with a non-finite entry first, norm +inf, `abnormal` of them), stopping at the first row whose Cauchy-Schwarz
// bound |y_j·x| <= |y_j| |x| (1 + 2f·2^-24, covering float rounding of the served sum) is below the k-th best
// score found: no later row can enter. Scores come from score_rows on each row's aligned group of 4 (bit for bit
// top_factors'), so list, scores and count equal top_factors'. Factor models trained on skewed data have a few
// long item vectors and many short ones: a user's top 10 of 30,000 items is usually settled within a few hundred
// rows. Returns -1 (the caller scans otherwise) when more than `budget` rows would be scored, or x or the norms are
// too large for the bound.
int64_t top_factors_pruned(const float* Y, int f, int64_t nRows, const float* x, const int32_t* order, const double* norms,
                           int64_t abnormal, const int32_t* toCatalog, const uint8_t* rowsAt, int64_t nRowsAt,
                           const uint8_t* allowed, int64_t nAllowed, int k, int64_t budget, int32_t* outItems,
                           float* outScores, int* outLen, int64_t* scored) {
  double xn = 0;
  for (int i = 0; i < f; i++) xn += (double)x[i] * (double)x[i];
  xn = std::sqrt(xn);
  if (!(xn < 1e30) || k <= 0 || (abnormal < nRows && !(norms[abnormal] * xn < 1e37))) return -1;
  const double slack = 1.0 + 2.0 * f * 0x1p-24 + 1e-9;
  auto candidate = [&](int64_t j) {
    const int32_t cj = toCatalog[j];
    return cj >= 0 && cj < nAllowed && allowed[cj];
  };
  auto exact_of = [&](int64_t j) {
    float grp[4];
    const int64_t g = j & ~(int64_t)3, m = std::min<int64_t>(4, nRows - g);
    kKernels.score_rows(Y + g * f, f, x, 0, m, grp);
    return grp[j - g];
  };
  thread_local std::vector<Scored> heapTL;
  std::vector<Scored>& heap = heapTL;
  heap.clear();
  auto cmp = [](const Scored& a, const Scored& b) { return worse(b, a); };  // root = the worst kept
  int64_t count = 0, done = 0;
  for (int64_t p = 0; p < nRows; p++) {
    if (p >= abnormal && (int)heap.size() == k && norms[p] * xn * slack < heap.front().s) break;
    const int32_t j = order[p];
    if (j < 0 || j >= nRows) return -2;
    if (p + 8 < nRows) {
      // The rows come in norm order, scattered over Y: fetch the group 8 rows ahead while this one is scored.
      const int32_t ahead = order[p + 8];
      if (ahead >= 0 && ahead < nRows) {
        const char* g = (const char*)(Y + (int64_t)(ahead & ~3) * f);
        for (int64_t b = 0; b < (int64_t)4 * f * 4; b += 64) __builtin_prefetch(g + b);
      }
    }
    if (!candidate(j)) continue;
    if (++done > budget) return -1;
    const float s = exact_of(j);
    if (!(s > -INFINITY)) continue;  // NaN and -inf are never candidates
    if (p < abnormal) count++;
    const Scored v{s, toCatalog[j]};
    if ((int)heap.size() < k) {
      heap.push_back(v);
      std::push_heap(heap.begin(), heap.end(), cmp);
    } else if (worse(heap.front(), v)) {
      std::pop_heap(heap.begin(), heap.end(), cmp);
      heap.back() = v;
      std::push_heap(heap.begin(), heap.end(), cmp);
    }
  }
  // Every finite row has a finite score (the norms bound it): count the allowed ones without scoring them, along
  // the catalogue (rowsAt[c]: the rows served as item c) in one pass that vectorises, not row by row.
  const int64_t nc = std::min(nAllowed, nRowsAt);
  int64_t allowedRows = 0;
#pragma omp simd reduction(+ : allowedRows)
  for (int64_t c = 0; c < nc; c++) allowedRows += (allowed[c] != 0) * (int64_t)rowsAt[c];
  count += allowedRows;
  for (int64_t p = 0; p < abnormal; p++) count -= order[p] >= 0 && order[p] < nRows && candidate(order[p]);
  std::sort(heap.begin(), heap.end(), cmp);
  const int len = (int)heap.size();
  for (int q = 0; q < len; q++) {
    outItems[q] = heap[q].c;
    outScores[q] = heap[q].s;
  }
  *outLen = len;
  *scored = done;
  return count;
}

// Integer scores of int8 rows against an int16 query: out[j] = (s_j·sx)·Σ_k q_jk xq_k for rows [0, n). Q holds the
// rows in blocks of 32 with factor pairs interleaved (Q[((b·P + m)·32 + r)·2 + t] = q_{32b+r, 2m+t}, P = ⌈f/2⌉, zero
// padded), so one vpmaddwd multiplies 8 rows by a pair of query entries and adds the pair: 8 rows per instruction,
// exact int32 sums (|Σ| <= f·127·16384 < 2^31 for f <= 1000), no horizontal reduction.
__attribute__((target("avx2"))) void int8_scores_avx2(const int8_t* Q, const float* scale, int P, const int32_t* pairs,
                                                       float sx, int64_t n, float* out) {
  const int64_t blocks = (n + 31) / 32;
  for (int64_t b = 0; b < blocks; b++) {
    const int8_t* q = Q + b * (int64_t)P * 64;
    __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
    for (int m = 0; m < P; m++, q += 64) {
      const __m256i xp = _mm256_set1_epi32(pairs[m]);
      a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(_mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i*)q)), xp));
      a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(_mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i*)(q + 16))), xp));
      a2 = _mm256_add_epi32(a2, _mm256_madd_epi16(_mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i*)(q + 32))), xp));
      a3 = _mm256_add_epi32(a3, _mm256_madd_epi16(_mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i*)(q + 48))), xp));
    }
    alignas(32) int32_t acc[32];
    _mm256_store_si256((__m256i*)acc, a0);
    _mm256_store_si256((__m256i*)(acc + 8), a1);
    _mm256_store_si256((__m256i*)(acc + 16), a2);
    _mm256_store_si256((__m256i*)(acc + 24), a3);
    const int64_t j0 = b * 32, m = n - j0 < 32 ? n - j0 : 32;
    for (int r = 0; r < m; r++) out[j0 + r] = (float)acc[r] * (scale[j0 + r] * sx);
  }
}

void int8_scores_generic(const int8_t* Q, const float* scale, int P, const int32_t* pairs, float sx, int64_t n, float* out) {
  const int64_t blocks = (n + 31) / 32;
  for (int64_t b = 0; b < blocks; b++) {
    const int8_t* q = Q + b * (int64_t)P * 64;
    int32_t acc[32] = {0};
    for (int m = 0; m < P; m++, q += 64) {
      const int32_t x0 = (int16_t)(pairs[m] & 0xffff), x1 = (int16_t)(pairs[m] >> 16);
      for (int r = 0; r < 32; r++) acc[r] += q[2 * r] * x0 + q[2 * r + 1] * x1;
    }
    const int64_t j0 = b * 32, m = n - j0 < 32 ? n - j0 : 32;
    for (int r = 0; r < m; r++) out[j0 + r] = (float)acc[r] * (scale[j0 + r] * sx);
  }
}

// top_factors with a first pass over int8 factors (q_jk = round(Y_jk / s_j), |Y_jk - s_j q_jk| <= s_j / 2, laid out
// as int8_scores reads them) and the query as int16 (xq_k = round(x_k / sx), sx = max|x| / 16384): each approximate
// score a_j is within e_j = s_j (0.51 |x|_1 + 64 f sx) of the served float score. 0.5 s_j |x|_1 is the factors'
// quantisation, s_j·127·sx/2 per entry the query's, and 0.01 s_j |x|_1 covers float rounding (the exact score's sum
// is within (f - 1)·2^-24·127.5 s_j|x|_1, the approximate score's two float products 2·2^-24·127 s_j|x|_1; see the
// check below). With L the k-th largest a_j - e_j, any row whose
// a_j + e_j < L has k rows strictly above it: only rows with a_j + e_j >= L are scored exactly (score_rows on
// their aligned group of 4, so bit for bit the full scan's value) and ranked. Rows with a non-finite or huge
// scale are always scored exactly. The list, scores and count equal top_factors'.
int64_t top_factors_int8(const float* Y, const int8_t* Q, const float* scale, int f, int64_t nRows, const float* x,
                         const int32_t* toCatalog, const uint8_t* allowed, int64_t nAllowed, int k, int32_t* outItems,
                         float* outScores, int* outLen, int64_t* rescored) {
  double xn = 0;
  for (int i = 0; i < f; i++) xn += std::fabs((double)x[i]);
  // The rounding slack grows with f: (f - 1)·2^-24·127.5 per unit of s_j|x|_1 per sum, two sums.
  const double slack = 0.5 + 2.0 * (double)f * 127.5 * 0x1p-24 + 1e-6;
  if (!(xn < 1e30) || k <= 0 || slack > 0.51 || f > 1000) return -1;  // the caller takes the float path
  double xmax = 0;
  for (int i = 0; i < f; i++) xmax = std::max(xmax, std::fabs((double)x[i]));
  const int P = (f + 1) / 2;
  thread_local std::vector<int32_t> pairsTL;
  thread_local std::vector<float> approxTL;
  std::vector<int32_t>& pairs = pairsTL;
  std::vector<float>& approxBuf = approxTL;
  pairs.assign(P, 0);
  const double sx = xmax / 16384;
  for (int i = 0; i < f && sx > 0; i++) {
    const int32_t v = (int32_t)std::lrint((double)x[i] / sx);  // |v| <= 16384
    pairs[i / 2] |= (int32_t)((uint32_t)(uint16_t)(int16_t)v << (16 * (i & 1)));
  }
  const double c = 0.51 * xn + 64.0 * f * sx;
  approxBuf.resize(nRows);
  float* approx = approxBuf.data();
  (strcmp(kIsa, "generic") == 0 ? int8_scores_generic : int8_scores_avx2)(Q, scale, P, pairs.data(), (float)sx, nRows, approx);
  // The passes below read approx, scale and the bounds in tight loops; the mask is looked up only for the few rows
  // that pass a bound (a masked row that does is then dropped), so a scan costs about one multiply-add a row.
  auto exact_of = [&](int64_t j) {
    float grp[4];
    const int64_t g = j & ~(int64_t)3, m = std::min<int64_t>(4, nRows - g);
    kKernels.score_rows(Y + g * f, f, x, 0, m, grp);
    return grp[j - g];
  };
  const double big = 127.5 * xn;
  auto normal = [&](int64_t j) { return scale[j] * big < 1e37; };  // false for inf/NaN scales too
  auto candidate = [&](int64_t j) {
    const int32_t cj = toCatalog[j];
    return cj >= 0 && cj < nAllowed && allowed[cj];
  };
  // Pass 1: L = the k-th largest lower bound among the candidates (a min-heap of k lower bounds), and the count.
  thread_local std::vector<double> lowsTL;
  std::vector<double>& lows = lowsTL;
  lows.clear();
  int64_t count = 0;
  double front = -INFINITY;
  bool full = false;
  for (int64_t j = 0; j < nRows; j++) {
    const bool cand = candidate(j) && normal(j);  // a finite row and x: a finite score
    count += cand;
    const double lb = (double)approx[j] - c * scale[j];
    if (!cand || (full && !(lb > front))) continue;
    if (!full) {
      lows.push_back(lb);
      std::push_heap(lows.begin(), lows.end(), std::greater<double>());
    } else {
      std::pop_heap(lows.begin(), lows.end(), std::greater<double>());
      lows.back() = lb;
      std::push_heap(lows.begin(), lows.end(), std::greater<double>());
    }
    full = (int)lows.size() == k;
    if (full) front = lows.front();
  }
  const double L = (int)lows.size() < k ? -INFINITY : lows.front();
  // Pass 2: exact scores of the rows that may be in the top k (and of every abnormal row), ranked as top_factors ranks them.
  thread_local std::vector<Scored> heapTL;
  std::vector<Scored>& heap = heapTL;
  heap.clear();
  int64_t exact = 0;
  auto offer = [&](Scored v) {
    if ((int)heap.size() < k) {
      heap.push_back(v);
      std::push_heap(heap.begin(), heap.end(), [](const Scored& a, const Scored& b) { return worse(b, a); });
    } else if (worse(heap.front(), v)) {
      std::pop_heap(heap.begin(), heap.end(), [](const Scored& a, const Scored& b) { return worse(b, a); });
      heap.back() = v;
      std::push_heap(heap.begin(), heap.end(), [](const Scored& a, const Scored& b) { return worse(b, a); });
    }
  };
  for (int64_t j = 0; j < nRows; j++) {
    if ((double)approx[j] + c * scale[j] < L && normal(j)) continue;
    if (!candidate(j)) continue;
    const bool n = normal(j);
    const float s = exact_of(j);
    exact++;
    if (!(s > -INFINITY)) continue;
    if (!n) count++;
    offer(Scored{s, toCatalog[j]});
  }
  // Best first: the heap's order (root = worst) sorted.
  std::sort(heap.begin(), heap.end(), [](const Scored& a, const Scored& b) { return worse(b, a); });
  const int len = (int)heap.size();
  for (int q = 0; q < len; q++) {
    outItems[q] = heap[q].c;
    outScores[q] = heap[q].s;
  }
  *outLen = len;
  *rescored = exact;
  return count;
}

// topFactors(Y, f, x, toCatalog: Int32Array, allowed: Uint8Array, k, outItems: Int32Array, outScores: Float32Array)
// -> [candidates, listed] (see top_factors).
napi_value TopFactors(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value args[8];
  napi_get_cb_info(env, info, &argc, args, nullptr, nullptr);
  const char* usage = "topFactors(Y: Float32Array, f: number, x: Float32Array, toCatalog: Int32Array, allowed: Uint8Array, k: number, outItems: Int32Array, outScores: Float32Array)";
  float *Y, *x, *outScores;
  int32_t *toCatalog, *outItems;
  uint8_t* allowed;
  size_t nY, nx, nMap, nAllowed, nOutI, nOutS;
  int32_t f = 0, k = 0;
  if (argc < 8 || !typed(env, args[0], napi_float32_array, &Y, &nY) || napi_get_value_int32(env, args[1], &f) != napi_ok ||
      !typed(env, args[2], napi_float32_array, &x, &nx) || !typed(env, args[3], napi_int32_array, &toCatalog, &nMap) ||
      !typed(env, args[4], napi_uint8_array, &allowed, &nAllowed) || napi_get_value_int32(env, args[5], &k) != napi_ok ||
      !typed(env, args[6], napi_int32_array, &outItems, &nOutI) || !typed(env, args[7], napi_float32_array, &outScores, &nOutS)) {
    return Throw(env, usage);
  }
  if (f <= 0 || nx < (size_t)f || nY % f != 0 || nMap < nY / f) return Throw(env, "topFactors: array sizes do not match f");
  if (k < 0 || nOutI < (size_t)k || nOutS < (size_t)k) return Throw(env, "topFactors: k must be >= 0 and fit the output arrays");
  int len = 0;
  const int64_t count = top_factors(Y, f, (int64_t)(nY / f), x, toCatalog, allowed, (int64_t)nAllowed, k, outItems, outScores, &len);
  napi_value arr, v;
  napi_create_array_with_length(env, 2, &arr);
  napi_create_double(env, (double)count, &v);
  napi_set_element(env, arr, 0, v);
  napi_create_int32(env, len, &v);
  napi_set_element(env, arr, 1, v);
  return arr;
}

// [candidates, listed, rows scored] of a scan, or null when it declined (count < 0).
napi_value ScanResult(napi_env env, int64_t count, int len, int64_t scored) {
  napi_value arr, v;
  if (count < 0) {
    napi_get_null(env, &arr);
    return arr;
  }
  napi_create_array_with_length(env, 3, &arr);
  napi_create_double(env, (double)count, &v);
  napi_set_element(env, arr, 0, v);
  napi_create_int32(env, len, &v);
  napi_set_element(env, arr, 1, v);
  napi_create_double(env, (double)scored, &v);
  napi_set_element(env, arr, 2, v);
  return arr;
}

// topFactorsPruned(Y, f, x, order: Int32Array, norms: Float64Array, abnormal, toCatalog, rowsAt: Uint8Array, allowed,
// k, budget, outItems, outScores) (rowsAt[c]: how many rows toCatalog maps to catalogue item c) -> [candidates, listed, rows scored], or null when the pruned scan gave up (see top_factors_pruned).
napi_value TopFactorsPruned(napi_env env, napi_callback_info info) {
  size_t argc = 13;
  napi_value args[13];
  napi_get_cb_info(env, info, &argc, args, nullptr, nullptr);
  const char* usage = "topFactorsPruned(Y: Float32Array, f: number, x: Float32Array, order: Int32Array, norms: Float64Array, abnormal: number, toCatalog: Int32Array, rowsAt: Uint8Array, allowed: Uint8Array, k: number, budget: number, outItems: Int32Array, outScores: Float32Array)";
  float *Y, *x, *outScores;
  int32_t *order, *toCatalog, *outItems;
  double* norms;
  uint8_t *rowsAt, *allowed;
  size_t nY, nx, nOrder, nNorms, nMap, nRowsAt, nAllowed, nOutI, nOutS;
  int32_t f = 0, k = 0;
  double abnormal = 0, budget = 0;
  if (argc < 13 || !typed(env, args[0], napi_float32_array, &Y, &nY) || napi_get_value_int32(env, args[1], &f) != napi_ok ||
      !typed(env, args[2], napi_float32_array, &x, &nx) || !typed(env, args[3], napi_int32_array, &order, &nOrder) ||
      !typed(env, args[4], napi_float64_array, &norms, &nNorms) || napi_get_value_double(env, args[5], &abnormal) != napi_ok ||
      !typed(env, args[6], napi_int32_array, &toCatalog, &nMap) || !typed(env, args[7], napi_uint8_array, &rowsAt, &nRowsAt) ||
      !typed(env, args[8], napi_uint8_array, &allowed, &nAllowed) ||
      napi_get_value_int32(env, args[9], &k) != napi_ok || napi_get_value_double(env, args[10], &budget) != napi_ok ||
      !typed(env, args[11], napi_int32_array, &outItems, &nOutI) || !typed(env, args[12], napi_float32_array, &outScores, &nOutS)) {
    return Throw(env, usage);
  }
  if (f <= 0 || nx < (size_t)f || nY % f != 0) return Throw(env, "topFactorsPruned: array sizes do not match f");
  const size_t n = nY / f;
  if (nOrder != n || nNorms != n || nMap < n || !(abnormal >= 0 && abnormal <= (double)n)) return Throw(env, "topFactorsPruned: order and norms must have one entry per row");
  if (k < 0 || nOutI < (size_t)k || nOutS < (size_t)k) return Throw(env, "topFactorsPruned: k must be >= 0 and fit the output arrays");
  int len = 0;
  int64_t scored = 0;
  const int64_t count = top_factors_pruned(Y, f, (int64_t)n, x, order, norms, (int64_t)abnormal, toCatalog, rowsAt, (int64_t)nRowsAt,
                                           allowed, (int64_t)nAllowed, k, (int64_t)budget, outItems, outScores, &len, &scored);
  if (count == -2) return Throw(env, "topFactorsPruned: order names a row outside Y");
  return ScanResult(env, count, len, scored);
}

// topFactorsInt8(Y, Q: Int8Array, scale: Float32Array, f, x, toCatalog, allowed, k, outItems, outScores)
// -> [candidates, listed, rows scored exactly], or null when x does not allow the int8 pass (then use topFactors).
napi_value TopFactorsInt8(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value args[10];
  napi_get_cb_info(env, info, &argc, args, nullptr, nullptr);
  const char* usage = "topFactorsInt8(Y: Float32Array, Q: Int8Array, scale: Float32Array, f: number, x: Float32Array, toCatalog: Int32Array, allowed: Uint8Array, k: number, outItems: Int32Array, outScores: Float32Array)";
  float *Y, *scale, *x, *outScores;
  int8_t* Q;
  int32_t *toCatalog, *outItems;
  uint8_t* allowed;
  size_t nY, nQ, nScale, nx, nMap, nAllowed, nOutI, nOutS;
  int32_t f = 0, k = 0;
  if (argc < 10 || !typed(env, args[0], napi_float32_array, &Y, &nY) || !typed(env, args[1], napi_int8_array, &Q, &nQ) ||
      !typed(env, args[2], napi_float32_array, &scale, &nScale) || napi_get_value_int32(env, args[3], &f) != napi_ok ||
      !typed(env, args[4], napi_float32_array, &x, &nx) || !typed(env, args[5], napi_int32_array, &toCatalog, &nMap) ||
      !typed(env, args[6], napi_uint8_array, &allowed, &nAllowed) || napi_get_value_int32(env, args[7], &k) != napi_ok ||
      !typed(env, args[8], napi_int32_array, &outItems, &nOutI) || !typed(env, args[9], napi_float32_array, &outScores, &nOutS)) {
    return Throw(env, usage);
  }
  if (f <= 0 || nx < (size_t)f || nY % f != 0 || nQ != (nY / f + 31) / 32 * 32 * (size_t)((f + 1) / 2 * 2) || nScale < nY / f || nMap < nY / f) return Throw(env, "topFactorsInt8: array sizes do not match f (Q: rows in blocks of 32, factors in pairs)");
  if (k < 0 || nOutI < (size_t)k || nOutS < (size_t)k) return Throw(env, "topFactorsInt8: k must be >= 0 and fit the output arrays");
  int len = 0;
  int64_t rescored = 0;
  const int64_t count = top_factors_int8(Y, Q, scale, f, (int64_t)(nY / f), x, toCatalog, allowed, (int64_t)nAllowed, k, outItems, outScores, &len, &rescored);
  return ScanResult(env, count, len, rescored);
}

// ialsExplainFactor(Y, f, G: Float64Array f×f, params: Float64Array [λ, α, α0], items: Int32Array, w: Float32Array,
// L: Float64Array f×f, x: Float64Array f, conf: Float64Array h) -> false when A is not positive definite (see
// ials_explain_factor).
napi_value IalsExplainFactor(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value args[9];
  napi_get_cb_info(env, info, &argc, args, nullptr, nullptr);
  const char* usage = "ialsExplainFactor(Y: Float32Array, f: number, G: Float64Array, params: Float64Array, items: Int32Array, w: Float32Array, L: Float64Array, x: Float64Array, conf: Float64Array)";
  float *Y, *w;
  double *G, *params, *L, *x, *conf;
  int32_t* items;
  size_t nY, nG, nP, nI, nW, nL, nx, nC;
  int32_t f = 0;
  if (argc < 9 || !typed(env, args[0], napi_float32_array, &Y, &nY) || napi_get_value_int32(env, args[1], &f) != napi_ok ||
      !typed(env, args[2], napi_float64_array, &G, &nG) || !typed(env, args[3], napi_float64_array, &params, &nP) ||
      !typed(env, args[4], napi_int32_array, &items, &nI) || !typed(env, args[5], napi_float32_array, &w, &nW) ||
      !typed(env, args[6], napi_float64_array, &L, &nL) || !typed(env, args[7], napi_float64_array, &x, &nx) ||
      !typed(env, args[8], napi_float64_array, &conf, &nC)) {
    return Throw(env, usage);
  }
  const size_t ff = (size_t)f * (size_t)f;
  if (f <= 0 || nY % f != 0 || nG < ff || nP < 3 || nW < nI || nL < ff || nx < (size_t)f || nC < nI) {
    return Throw(env, "ialsExplainFactor: array sizes do not match f and the history");
  }
  const int64_t rows = (int64_t)(nY / f);
  for (size_t q = 0; q < nI; q++) if (items[q] < 0 || items[q] >= rows) return Throw(env, "ialsExplainFactor: a history item is outside Y");
  thread_local std::vector<double> scratch;
  scratch.resize(4 * (size_t)f);
  const bool ok = kKernels.ials_explain_factor(Y, f, G, params[0], params[1], params[2], items, w, (int64_t)nI, L, x, conf, scratch.data());
  napi_value r;
  napi_get_boolean(env, ok, &r);
  return r;
}

// ialsExplainItems(L, conf, Y, f, items: Int32Array m, hist: Int32Array h, x: Float64Array f, alpha0,
// sjj: Float64Array h, outItems: Int32Array m·top, outValues: Float64Array m·top, outRemovals: Float64Array m·top,
// out3: Float64Array 3m, shares: Float64Array m·h) (see ials_explain_items; top is outItems.length / m; shares and sjj
// may be longer).
napi_value IalsExplainItems(napi_env env, napi_callback_info info) {
  size_t argc = 14;
  napi_value args[14];
  napi_get_cb_info(env, info, &argc, args, nullptr, nullptr);
  const char* usage = "ialsExplainItems(L: Float64Array, conf: Float64Array, Y: Float32Array, f: number, items: Int32Array, hist: Int32Array, x: Float64Array, alpha0: number, sjj: Float64Array, outItems: Int32Array, outValues: Float64Array, outRemovals: Float64Array, out3: Float64Array, shares: Float64Array)";
  double *L, *conf, *x, *sjj, *outValues, *outRemovals, *out3, *shares;
  float* Y;
  int32_t *items, *hist, *outItems;
  size_t nL, nC, nY, nM, nH, nx, nS, nOI, nOV, nOR, nO3, nSh;
  int32_t f = 0;
  double alpha0 = 0;
  if (argc < 14 || !typed(env, args[0], napi_float64_array, &L, &nL) || !typed(env, args[1], napi_float64_array, &conf, &nC) ||
      !typed(env, args[2], napi_float32_array, &Y, &nY) || napi_get_value_int32(env, args[3], &f) != napi_ok ||
      !typed(env, args[4], napi_int32_array, &items, &nM) || !typed(env, args[5], napi_int32_array, &hist, &nH) ||
      !typed(env, args[6], napi_float64_array, &x, &nx) || napi_get_value_double(env, args[7], &alpha0) != napi_ok ||
      !typed(env, args[8], napi_float64_array, &sjj, &nS) || !typed(env, args[9], napi_int32_array, &outItems, &nOI) ||
      !typed(env, args[10], napi_float64_array, &outValues, &nOV) || !typed(env, args[11], napi_float64_array, &outRemovals, &nOR) ||
      !typed(env, args[12], napi_float64_array, &out3, &nO3) || !typed(env, args[13], napi_float64_array, &shares, &nSh)) {
    return Throw(env, usage);
  }
  const size_t rows = f > 0 ? nY / f : 0;
  const size_t top = nM > 0 ? nOI / nM : 0;
  if (f <= 0 || nY % f != 0 || nL < (size_t)f * f || nx < (size_t)f || nC != nH || nS < nH || (nM > 0 && nOI % nM != 0) || top > 64 ||
      nOV < nOI || nOR < nOI || nO3 < 3 * nM || nSh < nM * nH) {
    return Throw(env, "ialsExplainItems: array sizes do not match f, the items and the history");
  }
  for (size_t c = 0; c < nM; c++) if (items[c] < 0 || (size_t)items[c] >= rows) return Throw(env, "ialsExplainItems: an explained item is outside Y");
  for (size_t q = 0; q < nH; q++) if (hist[q] < 0 || (size_t)hist[q] >= rows) return Throw(env, "ialsExplainItems: a history item is outside Y");
  thread_local std::vector<double> scratch;
  thread_local std::vector<int64_t> pick;
  const size_t f4 = ((size_t)f + 3) / 4 * 4;
  scratch.resize((2 * (size_t)f + 2 * nM + 2 * std::min(nH, nM * top) + 2) * f4);
  pick.resize(nM * top + 1);
  kKernels.ials_explain_items(L, conf, (int64_t)nH, hist, Y, f, items, (int64_t)nM, x, alpha0, (int)top, sjj, outItems, outValues, outRemovals, out3, shares, scratch.data(), pick.data());
  return nullptr;
}

}  // namespace

void RegisterFactorKernels(napi_env env, napi_value exports) {
  const std::pair<const char*, napi_callback> fns[] = {{"alsHalfStep", AlsHalfStep}, {"bprEpoch", BprEpoch}, {"scoreFactors", ScoreFactors}, {"topFactors", TopFactors}, {"topFactorsInt8", TopFactorsInt8}, {"topFactorsPruned", TopFactorsPruned}, {"ialsExplainFactor", IalsExplainFactor}, {"ialsExplainItems", IalsExplainItems}};
  for (const auto& [name, cb] : fns) {
    napi_value fn;
    napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, nullptr, &fn);
    napi_set_named_property(env, exports, name, fn);
  }
  napi_value isa;
  napi_create_string_utf8(env, kIsa, NAPI_AUTO_LENGTH, &isa);
  napi_set_named_property(env, exports, "alsIsa", isa);
}
