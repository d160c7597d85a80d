// ankerl::unordered_dense names over the standard containers: Debian ships no
// unordered_dense, and mediasoup uses only map, set and hash from it.
#pragma once

#include <functional>
#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace ankerl::unordered_dense {
template <class T>
using hash = std::hash<T>;

template <class K, class V, class H = std::hash<K>, class E = std::equal_to<K>,
          class A = std::allocator<std::pair<const K, V>>>
using map = std::unordered_map<K, V, H, E, A>;

template <class K, class H = std::hash<K>, class E = std::equal_to<K>,
          class A = std::allocator<K>>
using set = std::unordered_set<K, H, E, A>;
} // namespace ankerl::unordered_dense
