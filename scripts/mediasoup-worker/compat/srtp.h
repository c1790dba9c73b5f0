// libsrtp 3 API (the versatica/libsrtp fork mediasoup >= 3.15 expects as
// <srtp.h>) implemented on top of libsrtp 2.x, for the offline worker build
// done by ../build.sh.
//
// Why: the libsrtp3 fork comes from GitHub through a meson wrap, which is
// unreachable here; Debian (trixie) ships libsrtp 2.7, built by build.sh as a
// static library against the same static OpenSSL 3.5 as the worker.
//
// How: v3 turns srtp_policy_t into an opaque pointer with setter functions and
// adds size_t/out-buffer variants of protect/unprotect. We rename v2's struct
// while including its header, then provide the v3 calls as C++ inline
// overloads (their parameter lists differ from v2's C functions, so both
// coexist). Only the calls mediasoup 3.27 makes are provided; anything new in a
// future mediasoup fails to compile instead of misbehaving.
#ifndef HUDDLE_COMPAT_SRTP_H
#define HUDDLE_COMPAT_SRTP_H

#ifndef __cplusplus
#error "compat/srtp.h is C++ only (mediasoup worker)"
#endif

#define srtp_policy_t srtp2_policy_struct_t
#include <srtp2/srtp.h>
#undef srtp_policy_t

#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

// v3: an opaque handle. v2's srtp_create(srtp_t*, const srtp2_policy_struct_t*)
// then accepts it unchanged.
typedef srtp2_policy_struct_t* srtp_policy_t;

// v3-only error codes. v2's enum ends at 27; staying below 32 keeps these
// casts inside the enum's value range (valid in constant expressions).
static constexpr srtp_err_status_t srtp_err_status_buffer_small = static_cast<srtp_err_status_t>(28);
static constexpr srtp_err_status_t srtp_err_status_cryptex_err  = static_cast<srtp_err_status_t>(29);

#ifndef SRTP_MAX_SRTCP_TRAILER_LEN // libsrtp < 2.6
#define SRTP_MAX_SRTCP_TRAILER_LEN (SRTP_MAX_TRAILER_LEN + 4)
#endif

namespace huddle_srtp_compat
{
	// v2 policies point at caller-owned key memory (master key || salt); the
	// holder keeps it alive next to the policy. policy must stay first.
	struct PolicyHolder
	{
		srtp2_policy_struct_t policy;
		unsigned char key[SRTP_MAX_KEY_LEN];
	};

	// Shared body of the four v3 (un)protect calls: copy into the output
	// buffer when it differs, then run the in-place v2 function on it.
	template<class V2Fn>
	inline srtp_err_status_t Run(
	  V2Fn v2, srtp_t ctx, const uint8_t* in, size_t inLen, uint8_t* out, size_t* outLen, size_t growth)
	{
		if (ctx == nullptr || in == nullptr || out == nullptr || outLen == nullptr)
		{
			return srtp_err_status_bad_param;
		}
		if (inLen > static_cast<size_t>(INT_MAX) - growth)
		{
			return srtp_err_status_bad_param;
		}
		if (*outLen < inLen + growth)
		{
			return srtp_err_status_buffer_small;
		}
		if (out != in)
		{
			std::memmove(out, in, inLen);
		}

		int len                    = static_cast<int>(inLen);
		const srtp_err_status_t st = v2(ctx, out, &len);

		if (st == srtp_err_status_ok)
		{
			*outLen = static_cast<size_t>(len);
		}

		return st;
	}
} // namespace huddle_srtp_compat

inline srtp_err_status_t srtp_policy_create(srtp_policy_t* policy)
{
	if (policy == nullptr)
	{
		return srtp_err_status_bad_param;
	}

	auto* holder = static_cast<huddle_srtp_compat::PolicyHolder*>(
	  std::calloc(1, sizeof(huddle_srtp_compat::PolicyHolder)));

	if (holder == nullptr)
	{
		return srtp_err_status_alloc_fail;
	}

	holder->policy.key  = holder->key;
	holder->policy.next = nullptr;
	*policy             = &holder->policy;

	return srtp_err_status_ok;
}

inline void srtp_policy_destroy(srtp_policy_t policy)
{
	// policy is the first member of its holder, so this frees the holder.
	std::free(policy);
}

inline srtp_err_status_t srtp_policy_set_ssrc(srtp_policy_t policy, srtp_ssrc_t ssrc)
{
	if (policy == nullptr)
	{
		return srtp_err_status_bad_param;
	}

	policy->ssrc = ssrc;

	return srtp_err_status_ok;
}

inline srtp_err_status_t srtp_policy_set_profile(srtp_policy_t policy, srtp_profile_t profile)
{
	if (policy == nullptr)
	{
		return srtp_err_status_bad_param;
	}

	const srtp_err_status_t st = srtp_crypto_policy_set_from_profile_for_rtp(&policy->rtp, profile);

	if (st != srtp_err_status_ok)
	{
		return st;
	}

	return srtp_crypto_policy_set_from_profile_for_rtcp(&policy->rtcp, profile);
}

// v3 takes key and salt separately; v2 wants them concatenated. No MKI support
// (mediasoup passes none).
inline srtp_err_status_t srtp_policy_add_key(
  srtp_policy_t policy,
  const uint8_t* key,
  size_t keyLen,
  const uint8_t* salt,
  size_t saltLen,
  const uint8_t* /*mki*/,
  size_t mkiLen)
{
	if (policy == nullptr || key == nullptr || (saltLen != 0 && salt == nullptr))
	{
		return srtp_err_status_bad_param;
	}
	if (mkiLen != 0 || keyLen + saltLen > SRTP_MAX_KEY_LEN)
	{
		return srtp_err_status_bad_param;
	}

	std::memcpy(policy->key, key, keyLen);

	if (saltLen != 0)
	{
		std::memcpy(policy->key + keyLen, salt, saltLen);
	}

	return srtp_err_status_ok;
}

inline srtp_err_status_t srtp_policy_set_allow_repeat_tx(srtp_policy_t policy, bool allow)
{
	if (policy == nullptr)
	{
		return srtp_err_status_bad_param;
	}

	policy->allow_repeat_tx = allow ? 1 : 0;

	return srtp_err_status_ok;
}

inline srtp_err_status_t srtp_policy_set_window_size(srtp_policy_t policy, size_t windowSize)
{
	if (policy == nullptr)
	{
		return srtp_err_status_bad_param;
	}

	policy->window_size = static_cast<unsigned long>(windowSize);

	return srtp_err_status_ok;
}

// Both versions take the SSRC in network byte order.
inline srtp_err_status_t srtp_stream_remove(srtp_t session, uint32_t ssrc)
{
	return srtp_remove_stream(session, ssrc);
}

inline srtp_err_status_t srtp_protect(
  srtp_t ctx, const uint8_t* rtp, size_t rtpLen, uint8_t* srtp, size_t* srtpLen, size_t /*mkiIndex*/)
{
	return huddle_srtp_compat::Run(
	  [](srtp_t c, uint8_t* p, int* l) { return srtp_protect(c, p, l); },
	  ctx,
	  rtp,
	  rtpLen,
	  srtp,
	  srtpLen,
	  SRTP_MAX_TRAILER_LEN);
}

inline srtp_err_status_t srtp_unprotect(
  srtp_t ctx, const uint8_t* srtp, size_t srtpLen, uint8_t* rtp, size_t* rtpLen)
{
	return huddle_srtp_compat::Run(
	  [](srtp_t c, uint8_t* p, int* l) { return srtp_unprotect(c, p, l); },
	  ctx,
	  srtp,
	  srtpLen,
	  rtp,
	  rtpLen,
	  0);
}

inline srtp_err_status_t srtp_protect_rtcp(
  srtp_t ctx, const uint8_t* rtcp, size_t rtcpLen, uint8_t* srtcp, size_t* srtcpLen, size_t /*mkiIndex*/)
{
	return huddle_srtp_compat::Run(
	  [](srtp_t c, uint8_t* p, int* l) { return srtp_protect_rtcp(c, p, l); },
	  ctx,
	  rtcp,
	  rtcpLen,
	  srtcp,
	  srtcpLen,
	  SRTP_MAX_SRTCP_TRAILER_LEN);
}

inline srtp_err_status_t srtp_unprotect_rtcp(
  srtp_t ctx, const uint8_t* srtcp, size_t srtcpLen, uint8_t* rtcp, size_t* rtcpLen)
{
	return huddle_srtp_compat::Run(
	  [](srtp_t c, uint8_t* p, int* l) { return srtp_unprotect_rtcp(c, p, l); },
	  ctx,
	  srtcp,
	  srtcpLen,
	  rtcp,
	  rtcpLen,
	  0);
}

#endif
