// Stand-in for <ankerl/unordered_dense.h> (martinus/unordered_dense) used when
// the mediasoup worker is built offline by ../../build.sh.
//
// Why: mediasoup fetches unordered_dense through a meson wrap from GitHub,
// which is unreachable here, and Debian 12 does not package it. mediasoup only
// uses ankerl::unordered_dense::{map, set, hash} with the plain std-like API
// (no .values()/.extract()), so std::unordered_{map,set} are a drop-in
// replacement. These maps are not on the media hot path in any measurable way.
#ifndef HUDDLE_COMPAT_ANKERL_UNORDERED_DENSE_H
#define HUDDLE_COMPAT_ANKERL_UNORDERED_DENSE_H

#include <cstdint>
#include <functional>
#include <memory>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace ankerl::unordered_dense
{
	namespace detail
	{
		// Same 64-bit mixer upstream applies to integers (wyhash "mum" with the
		// golden-ratio constant): mediasoup combines these per-field hashes with
		// boost::hash_combine, which wants well-spread inputs, while
		// std::hash<integer> is the identity in libstdc++.
		inline std::uint64_t mix(std::uint64_t x) noexcept
		{
			constexpr std::uint64_t k = UINT64_C(0x9E3779B97F4A7C15);
#if defined(__SIZEOF_INT128__)
			const __uint128_t r = static_cast<__uint128_t>(x) * k;

			return static_cast<std::uint64_t>(r) ^ static_cast<std::uint64_t>(r >> 64);
#else
			x ^= x >> 33;
			x *= k;

			return x ^ (x >> 29);
#endif
		}
	} // namespace detail

	// Generic types (std::string, pointers, ...): std::hash.
	template<class T, class Enable = void>
	struct hash : std::hash<T>
	{
		using is_avalanching = void;
	};

	// Integers and enums: mixed like upstream.
	template<class T>
	struct hash<T, std::enable_if_t<std::is_integral_v<T> || std::is_enum_v<T>>>
	{
		using is_avalanching = void;

		std::uint64_t operator()(const T& value) const noexcept
		{
			return detail::mix(static_cast<std::uint64_t>(value));
		}
	};

	template<
	  class Key,
	  class T,
	  class Hash      = hash<Key>,
	  class KeyEqual  = std::equal_to<Key>,
	  class Allocator = std::allocator<std::pair<const Key, T>>>
	using map = std::unordered_map<Key, T, Hash, KeyEqual, Allocator>;

	template<class Key, class Hash = hash<Key>, class KeyEqual = std::equal_to<Key>, class Allocator = std::allocator<Key>>
	using set = std::unordered_set<Key, Hash, KeyEqual, Allocator>;
} // namespace ankerl::unordered_dense

#endif
