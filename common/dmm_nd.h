/* SPDX-License-Identifier: BSD-3-Clause */
/* Neighbour Discovery codec (RFC 4861 §4): Router Solicitation, Router Advertisement, Neighbour
 * Solicitation, Neighbour Advertisement and Redirect as ICMPv6 messages (RFC 4443 §2), with the
 * options a router on the access link uses: Source/Target Link-layer Address (RFC 4861 §4.6.1),
 * Prefix Information (§4.6.2), MTU (§4.6.4) and Route Information (RFC 4191 §2.3). The MAAR's
 * DLIFs (RFC 8885 §3.7) build their RAs and NAs with it and parse what MNs send. No DPDK, no
 * sockets, no global state.
 *
 * The input is the ICMPv6 message (the IPv6 payload after any extension headers); the caller
 * passes the IPv6 source, destination and Hop Limit, which RFC 4861's validity rules need.
 *
 * dmm_nd_parse() checks, in this order (each failure has its own code):
 *   1. at least the 4-octet ICMPv6 header; a type other than 133..137 is DMM_ND_E_UNKNOWN_TYPE
 *      (m->type set: not ND, the caller hands it to its other ICMPv6 handling);
 *   2. ICMP length >= the type's minimum (RS 8, RA 16, NS 24, NA 24, Redirect 40);
 *   3. Code 0;
 *   4. checksum (only when src and dst are given);
 *   5. Hop Limit 255 (proves the sender is on-link, RFC 4861 §3.1);
 *   6. option framing: every option has Length > 0 and fits in the message;
 *   7. the type's rules on its fixed fields and addresses (RFC 4861 §6.1.1, 6.1.2, 7.1.1,
 *      7.1.2, 8.1): NS/NA/Redirect target not multicast; NS from :: goes to a solicited-node
 *      address; NA to a multicast destination has S = 0; RA and Redirect from a link-local
 *      source; Redirect target link-local or equal to the destination, destination not
 *      multicast;
 *   8. option contents (duplicates, fixed Lengths, prefix lengths, counts), then the rules that
 *      depend on options: RS and NS from :: carry no Source Link-layer Address.
 * Rules that need an IPv6 address are skipped when src/dst are NULL (the caller vouches). Rules
 * that need state stay with the caller: a Redirect's source must be the current first hop for
 * its destination (§8.1), an RA's contents checked against our own (§6.2.7).
 *
 * Choices where the RFCs leave the receiver to decide (tested in test/unit/test_nd.c):
 *   - Options a message type does not define (e.g. a PIO in an NS), unknown option types and
 *     the Redirected Header are skipped by Length and counted in n_skipped (RFC 4861 §4.1-4.5:
 *     "Receivers MUST silently ignore any options they do not recognize").
 *   - Options the RFCs tell the receiver to ignore are dropped and counted in n_ignored: a RIO
 *     with Prf 10 (RFC 4191 §2.3 MUST) and a PIO with preferred > valid lifetime (RFC 4862
 *     §5.5.3 c). A RIO whose Length does not fit its Prefix Length (RFC 4191 §2.3: 1..3, 3 if
 *     > 64, 2 or 3 if > 0) is ignored too: RFC 4191 does not say what a receiver does with one,
 *     and a bad option is not a reason to lose the rest of the RA (Linux does the same).
 *   - Malformed known options make the message invalid: a second SLLA, TLLA or MTU
 *     (DMM_ND_E_OPT_DUPLICATE), a PIO with Length != 4 or an MTU option with Length != 1 or a
 *     link-layer address option with Length > 3 (DMM_ND_E_OPT_BAD_LEN), a Prefix Length > 128
 *     (DMM_ND_E_BAD_PREFIX_LEN), more than DMM_ND_MAX_PIO PIOs or DMM_ND_MAX_RIO RIOs
 *     (DMM_ND_E_TOO_MANY: refused rather than truncated, so no prefix is silently lost).
 *   - Reserved fields and bits are ignored and cleared; so are prefix bits past the Prefix
 *     Length (RFC 4861 §4.6.2, RFC 4191 §2.3). An RA's Prf 10 is read as 00 (RFC 4191 §2.2), as
 *     is any Prf in an RA with Router Lifetime 0 ("MUST be ignored by the receiver").
 *
 * dmm_nd_build() validates with the same rules first (and refuses what the parser would
 * normalise or ignore: Prf 10, Prf != 0 with Router Lifetime 0, preferred > valid), so whatever
 * builds parses back to the same struct.
 */
#ifndef DMM_ND_H
#define DMM_ND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dmm_ip6.h"

#define DMM_ND_IPPROTO	 58  /* ICMPv6, the pseudo-header's Next Header (RFC 8200 §8.1) */
#define DMM_ND_HOP_LIMIT 255 /* the only Hop Limit ND accepts (RFC 4861 §6.1, §7.1, §8.1) */
#define DMM_ND_CKSUM_OFF 2   /* checksum offset in the ICMPv6 header (RFC 4443 §2.1) */

/* ICMPv6 types of ND (RFC 4861 §4). */
enum dmm_nd_type {
	DMM_ND_RS = 133,
	DMM_ND_RA = 134,
	DMM_ND_NS = 135,
	DMM_ND_NA = 136,
	DMM_ND_REDIRECT = 137,
};

/* ND option types (RFC 4861 §4.6, RFC 4191 §2.3). */
enum dmm_nd_opt_type {
	DMM_ND_OPT_SLLA = 1,
	DMM_ND_OPT_TLLA = 2,
	DMM_ND_OPT_PIO = 3,
	DMM_ND_OPT_RH = 4, /* Redirected Header: recognised, skipped */
	DMM_ND_OPT_MTU = 5,
	DMM_ND_OPT_RIO = 24,
};

/* RA flags octet. Bits 0x03 are reserved: cleared on parse, never sent. */
#define DMM_ND_RA_M	    0x80 /* managed address configuration, RFC 4861 §4.2 */
#define DMM_ND_RA_O	    0x40 /* other configuration, RFC 4861 §4.2 */
#define DMM_ND_RA_H	    0x20 /* home agent, RFC 6275 §7.1 */
#define DMM_ND_RA_PRF_MASK  0x18 /* default router preference, RFC 4191 §2.2 */
#define DMM_ND_RA_PRF_SHIFT 3
#define DMM_ND_RA_P	    0x04 /* ND proxy, RFC 4389 §4.1.3.3 */
#define DMM_ND_RA_RESERVED  0x03

/* Router / route preference values (the 2-bit Prf field, RFC 4191 §2.1). */
enum dmm_nd_prf {
	DMM_ND_PRF_MEDIUM = 0,
	DMM_ND_PRF_HIGH = 1,
	DMM_ND_PRF_RESERVED = 2, /* MUST NOT be sent */
	DMM_ND_PRF_LOW = 3,
};

/* NA flags: the top bits of the first octet after the header; the other 29 bits are reserved. */
#define DMM_ND_NA_R	   0x80 /* router */
#define DMM_ND_NA_S	   0x40 /* solicited */
#define DMM_ND_NA_O	   0x20 /* override */
#define DMM_ND_NA_RESERVED 0x1f

/* PIO flags octet (L and A: RFC 4861 §4.6.2; R: RFC 6275 §7.2). Others cleared / not sent. */
#define DMM_ND_PIO_L	    0x80
#define DMM_ND_PIO_A	    0x40
#define DMM_ND_PIO_R	    0x20
#define DMM_ND_PIO_RESERVED 0x1f

#define DMM_ND_INFINITE 0xffffffffu /* lifetime "infinity" (RFC 4861 §4.6.2, RFC 4191 §2.3) */

/* Limits. */
#define DMM_ND_MAX_PIO	  16
#define DMM_ND_MAX_RIO	  16
#define DMM_ND_LLADDR_MAX 22 /* octets after Type and Length in an option of Length 3 */
/* Longest message dmm_nd_build() writes: RA header, SLLA of Length 3, MTU, 16 PIOs, 16 RIOs. */
#define DMM_ND_BUILD_MAX (16 + 24 + 8 + 32 * DMM_ND_MAX_PIO + 24 * DMM_ND_MAX_RIO)

/* Error codes: every function returns 0 or one of these (negative, outside the errno range). */
enum dmm_nd_err {
	DMM_ND_OK = 0,
	DMM_ND_E_TRUNCATED = -1101,	   /* shorter than ICMPv6 header or the type's minimum */
	DMM_ND_E_UNKNOWN_TYPE = -1102,	   /* not an ND type; m->type is set */
	DMM_ND_E_BAD_CODE = -1103,	   /* ICMP Code != 0 */
	DMM_ND_E_BAD_CHECKSUM = -1104,	   /* RFC 4443 §2.3 */
	DMM_ND_E_HOP_LIMIT = -1105,	   /* IP Hop Limit != 255 */
	DMM_ND_E_OPT_ZERO_LEN = -1106,	   /* an option with Length 0 */
	DMM_ND_E_OPT_TRUNCATED = -1107,	   /* an option runs past the end of the message */
	DMM_ND_E_TARGET_MULTICAST = -1108, /* NS/NA/Redirect target is multicast */
	DMM_ND_E_DAD_DST = -1109,	   /* NS from :: not to a solicited-node address */
	DMM_ND_E_UNSPEC_SLLA = -1110,	   /* RS or NS from :: with a Source LLA option */
	DMM_ND_E_SOLICITED_MCAST = -1111,  /* NA to a multicast address with S set */
	DMM_ND_E_SRC_NOT_LL = -1112,	   /* RA or Redirect from a non-link-local source */
	DMM_ND_E_REDIRECT_TARGET = -1113,  /* Redirect target neither link-local nor destination */
	DMM_ND_E_REDIRECT_DST = -1114,	   /* Redirect destination is multicast */
	DMM_ND_E_OPT_BAD_LEN = -1115,	   /* wrong Length for a fixed-size option */
	DMM_ND_E_OPT_DUPLICATE = -1116,	   /* a second SLLA, TLLA or MTU option */
	DMM_ND_E_BAD_PREFIX_LEN = -1117,   /* Prefix Length > 128 in a PIO or RIO */
	DMM_ND_E_TOO_MANY = -1118,	   /* more PIOs or RIOs than DMM_ND_MAX_* */
	DMM_ND_E_NOSPACE = -1119,	   /* build: cap too small (*len says how much is needed) */
	DMM_ND_E_LIFETIMES = -1120,	   /* build: PIO preferred > valid lifetime */
	DMM_ND_E_BAD_PRF = -1121, /* build: Prf 10, or RA Prf != 0 with Router Lifetime 0 */
	DMM_ND_E_BAD_OPT = -1122, /* build: an option the message type does not carry */
	DMM_ND_E_INVALID = -1123, /* bad argument (e.g. only one of src/dst given) */
};

/* A link-layer address option's payload: every octet after Type and Length, so 6 (Ethernet,
 * Length 1), 14 or 22 on parse. Build sends len octets zero-padded to a multiple of 8. */
struct dmm_nd_lladdr {
	uint8_t len; /* 1..DMM_ND_LLADDR_MAX */
	uint8_t a[DMM_ND_LLADDR_MAX];
};

/* Prefix Information option (RFC 4861 §4.6.2), always Length 4. */
struct dmm_nd_pio {
	struct dmm_prefix prefix; /* host bits zero */
	uint8_t flags;		  /* DMM_ND_PIO_* */
	uint32_t valid_s;	  /* DMM_ND_INFINITE = infinity */
	uint32_t preferred_s;	  /* <= valid_s */
};

/* Route Information option (RFC 4191 §2.3), sent with the shortest Length for its prefix. */
struct dmm_nd_rio {
	struct dmm_prefix prefix; /* host bits zero */
	uint8_t prf;		  /* enum dmm_nd_prf, never DMM_ND_PRF_RESERVED */
	uint32_t lifetime_s;	  /* DMM_ND_INFINITE = infinity */
};

struct dmm_nd_ra {
	uint8_t cur_hop_limit;	    /* 0 = unspecified */
	uint8_t flags;		    /* DMM_ND_RA_* (Prf in DMM_ND_RA_PRF_MASK) */
	uint16_t router_lifetime_s; /* 0 = not a default router */
	uint32_t reachable_ms;	    /* 0 = unspecified */
	uint32_t retrans_ms;	    /* 0 = unspecified */
};

struct dmm_nd_msg {
	uint8_t type; /* enum dmm_nd_type */
	union {
		struct dmm_nd_ra ra;
		struct {
			uint8_t na_flags;      /* NA: DMM_ND_NA_R | S | O */
			struct dmm_ip6 target; /* NS, NA, Redirect */
			struct dmm_ip6 dest;   /* Redirect: Destination Address */
		};
	};
	/* Options. SLLA: RS, RA, NS. TLLA: NA, Redirect. MTU, PIO, RIO: RA. */
	bool has_slla;
	bool has_tlla;
	bool has_mtu;
	struct dmm_nd_lladdr slla;
	struct dmm_nd_lladdr tlla;
	uint32_t mtu;
	uint8_t n_pio;
	uint8_t n_rio;
	struct dmm_nd_pio pio[DMM_ND_MAX_PIO]; /* in wire order */
	struct dmm_nd_rio rio[DMM_ND_MAX_RIO]; /* in wire order */
	/* Parse only (build ignores them): options skipped / ignored, see the header comment. */
	uint16_t n_skipped;
	uint16_t n_ignored;
};

/* Encode m as an ICMPv6 message into buf: header with Code 0, the type's fixed fields (reserved
 * ones 0), then SLLA/TLLA, MTU, PIOs, RIOs in that order. src and dst (both or neither) are the
 * IPv6 addresses of the packet that will carry it: given, the checksum is computed and the
 * address rules are checked; NULL, the checksum is left 0 (a raw ICMPv6 socket fills it). On
 * success *len is the message length; on DMM_ND_E_NOSPACE it is the length needed (at most
 * DMM_ND_BUILD_MAX). Returns 0 or a negative enum dmm_nd_err. */
int dmm_nd_build(const struct dmm_nd_msg *m, const struct dmm_ip6 *src, const struct dmm_ip6 *dst,
		 uint8_t *buf, size_t cap, size_t *len);

/* Decode and validate one ND message (see the header comment for the order of the checks).
 * hop_limit is the IPv6 Hop Limit it arrived with. src and dst are both given or both NULL. m is
 * zeroed first and is only meaningful on success (and m->type on DMM_ND_E_UNKNOWN_TYPE). Returns
 * 0 or a negative enum dmm_nd_err. */
int dmm_nd_parse(const uint8_t *buf, size_t len, const struct dmm_ip6 *src,
		 const struct dmm_ip6 *dst, uint8_t hop_limit, struct dmm_nd_msg *m);

/* Internet checksum of the pseudo-header (src, dst, 32-bit length, next header 58; RFC 8200
 * §8.1) and the len octets at msg as they are: with the Checksum field zeroed it is the value to
 * store; over a received message it is 0 iff the checksum is right. */
uint16_t dmm_nd_checksum(const struct dmm_ip6 *src, const struct dmm_ip6 *dst, const uint8_t *msg,
			 size_t len);

/* One line for logs, e.g. "RA hl=64 flags=M,O prf=high lifetime=1800s reachable=0ms
 * retrans=0ms slla=02:00:00:00:00:01 mtu=1500 pio=2001:db8:1::/64(L,A valid=86400
 * pref=14400)". Returns what snprintf would; buf is always terminated when cap > 0. */
int dmm_nd_format(const struct dmm_nd_msg *m, char *buf, size_t cap);

/* "bad checksum", ... for an enum dmm_nd_err; "unknown error" for anything else. */
const char *dmm_nd_strerror(int err);

/* The RA's default router preference (enum dmm_nd_prf). */
static inline uint8_t dmm_nd_ra_prf(const struct dmm_nd_ra *ra)
{
	return (ra->flags & DMM_ND_RA_PRF_MASK) >> DMM_ND_RA_PRF_SHIFT;
}

/* Solicited-node multicast address ff02::1:ff00:0/104 (RFC 4291 §2.7.1)? */
bool dmm_nd_is_solicited_node(const struct dmm_ip6 *a);

#endif
