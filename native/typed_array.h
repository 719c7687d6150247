// Shared by the addon's translation units.
#pragma once
#include <node_api.h>

#include <cstddef>

namespace curio {

// Reads `v` as a typed array of the expected type; false (nothing thrown yet) when it is not one.
template <typename T>
bool typed(napi_env env, napi_value v, napi_typedarray_type want, T** out, size_t* len) {
  napi_typedarray_type type;
  void* data;
  napi_value buf;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, len, &data, &buf, &offset) != napi_ok || type != want) return false;
  *out = static_cast<T*>(data);
  return true;
}

}  // namespace curio
