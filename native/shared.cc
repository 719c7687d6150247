// Token buckets in a shared file mapping: the worker processes of one `curio serve --workers N` take from the same
// bucket per API key, so a key's rate limit holds for the server as a whole, not once per process.
#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstring>

#include <node_api.h>

namespace {


constexpr uint64_t kMagic = 0x3174656b63756243ULL;  // "Cbucket1"
constexpr uint32_t kProbe = 64;

struct Header {
  uint64_t magic;
  uint32_t slots;
  uint32_t pad;
};

// 32 bytes; `lock` guards the rest. A slot is claimed for good by the first key hashed to it (keys are API key ids:
// few and long-lived); a table whose probe window is full hands the home slot to the newcomer.
struct Bucket {
  uint32_t lock;
  uint32_t used;
  double key;
  double tokens;
  double at;
};

struct Mapping {
  void* base;
  size_t bytes;
};

double nowSeconds() {
  // CLOCK_MONOTONIC is one clock for every process on the machine (performance.now() is per process).
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

void lockSlot(Bucket* b) {
  for (int spins = 0;; spins++) {
    uint32_t expected = 0;
    if (__atomic_compare_exchange_n(&b->lock, &expected, 1u, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) return;
    if (spins > 64) sched_yield();  // the holder was descheduled mid-update: let it finish
  }
}

void unlockSlot(Bucket* b) { __atomic_store_n(&b->lock, 0u, __ATOMIC_RELEASE); }

void finalizeMapping(napi_env, void*, void* hint) {
  auto* m = static_cast<Mapping*>(hint);
  munmap(m->base, m->bytes);
  delete m;
}

napi_value fail(napi_env env, const char* message) {
  napi_throw_error(env, nullptr, message);
  return nullptr;
}

// sharedBucketsOpen(path, slots) -> ArrayBuffer over the mapping (created and sized when new).
napi_value SharedBucketsOpen(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value args[2];
  napi_get_cb_info(env, info, &argc, args, nullptr, nullptr);
  char path[4096];
  size_t len = 0;
  if (argc < 2 || napi_get_value_string_utf8(env, args[0], path, sizeof path, &len) != napi_ok || len == 0) return fail(env, "sharedBucketsOpen(path, slots)");
  uint32_t slots = 0;
  napi_get_value_uint32(env, args[1], &slots);
  if (slots < kProbe || slots > (1u << 24)) return fail(env, "sharedBucketsOpen: slots must be in [64, 2^24]");
  size_t bytes = sizeof(Header) + static_cast<size_t>(slots) * sizeof(Bucket);
  int fd = open(path, O_RDWR | O_CREAT, 0600);
  if (fd < 0) return fail(env, "sharedBucketsOpen: cannot open the file");
  struct stat st;
  // A new file is zero-filled by ftruncate: every slot unlocked and unused.
  if (fstat(fd, &st) != 0 || (static_cast<size_t>(st.st_size) < bytes && ftruncate(fd, static_cast<off_t>(bytes)) != 0)) {
    close(fd);
    return fail(env, "sharedBucketsOpen: cannot size the file");
  }
  void* base = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (base == MAP_FAILED) return fail(env, "sharedBucketsOpen: mmap failed");
  auto* h = static_cast<Header*>(base);
  uint64_t zero = 0;
  // The first process to map it stamps the header; another table size in the same file is refused.
  __atomic_compare_exchange_n(&h->magic, &zero, kMagic, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
  uint32_t noSlots = 0;
  __atomic_compare_exchange_n(&h->slots, &noSlots, slots, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
  if (__atomic_load_n(&h->magic, __ATOMIC_ACQUIRE) != kMagic || __atomic_load_n(&h->slots, __ATOMIC_ACQUIRE) != slots) {
    munmap(base, bytes);
    return fail(env, "sharedBucketsOpen: the file holds another table");
  }
  auto* m = new Mapping{base, bytes};
  napi_value ab;
  if (napi_create_external_arraybuffer(env, base, bytes, finalizeMapping, m, &ab) != napi_ok) {
    munmap(base, bytes);
    delete m;
    return fail(env, "sharedBucketsOpen: cannot wrap the mapping");
  }
  return ab;
}

// sharedBucketsTake(table, key, rate, burst, take) -> seconds until `key` has a token (0: it had one, and took it
// when `take`). `key` is an integer below 2^53 (a hash of the key id).
napi_value SharedBucketsTake(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value args[5];
  napi_get_cb_info(env, info, &argc, args, nullptr, nullptr);
  void* data = nullptr;
  size_t bytes = 0;
  if (argc < 5 || napi_get_arraybuffer_info(env, args[0], &data, &bytes) != napi_ok || bytes < sizeof(Header)) return fail(env, "sharedBucketsTake(table, key, rate, burst, take)");
  double key, rate, burst;
  bool take;
  napi_get_value_double(env, args[1], &key);
  napi_get_value_double(env, args[2], &rate);
  napi_get_value_double(env, args[3], &burst);
  napi_get_value_bool(env, args[4], &take);
  auto* h = static_cast<Header*>(data);
  uint32_t slots = h->slots;
  if (bytes < sizeof(Header) + static_cast<size_t>(slots) * sizeof(Bucket) || !(rate > 0) || !(burst >= 1)) return fail(env, "sharedBucketsTake: bad table or limits");
  auto* table = reinterpret_cast<Bucket*>(static_cast<char*>(data) + sizeof(Header));
  uint32_t home = static_cast<uint32_t>(std::fmod(key, static_cast<double>(slots)));
  Bucket* b = nullptr;
  for (uint32_t p = 0; p < kProbe && !b; p++) {
    Bucket* c = &table[(home + p) % slots];
    lockSlot(c);
    if (c->used && c->key == key) b = c;
    else if (!c->used) {
      c->used = 1;
      c->key = key;
      c->tokens = burst;
      c->at = nowSeconds();
      b = c;
    } else unlockSlot(c);
  }
  if (!b) {
    b = &table[home];
    lockSlot(b);
    b->key = key;
    b->tokens = burst;
    b->at = nowSeconds();
  }
  double now = nowSeconds();
  double tokens = b->tokens + (now - b->at) * rate;
  if (tokens > burst) tokens = burst;
  double wait = tokens >= 1 ? 0 : (1 - tokens) / rate;
  if (take) {
    b->tokens = tokens >= 1 ? tokens - 1 : tokens;
    b->at = now;
  }
  unlockSlot(b);
  napi_value result;
  napi_create_double(env, wait, &result);
  return result;
}

}  // namespace

void RegisterSharedKernels(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "sharedBucketsOpen", NAPI_AUTO_LENGTH, SharedBucketsOpen, nullptr, &fn);
  napi_set_named_property(env, exports, "sharedBucketsOpen", fn);
  napi_create_function(env, "sharedBucketsTake", NAPI_AUTO_LENGTH, SharedBucketsTake, nullptr, &fn);
  napi_set_named_property(env, exports, "sharedBucketsTake", fn);
}
