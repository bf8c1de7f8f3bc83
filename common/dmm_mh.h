/* SPDX-License-Identifier: BSD-3-Clause */
/* Mobility Header codec (RFC 6275 §6.1): Proxy Binding Update / Acknowledgement (RFC 5213 §8
 * with the RFC 8885 D flag), Binding Error (RFC 6275 §6.1.9) and Heartbeat (RFC 5847), with the
 * mobility options a MAAR and a CMD use (RFC 6275 §6.2, RFC 4283, RFC 5213 §8.3-8.8, RFC 5847
 * §3.4, RFC 8885 §4.3-4.8). No DPDK, no sockets, no global state.
 *
 * A message is a struct dmm_mh_msg: the MH type, the type's fixed fields, and struct dmm_mh_opts
 * with one presence flag per singleton option and an array per repeatable option.
 *
 * dmm_mh_build() writes the options in one canonical order (below), each preceded by the
 * minimum Pad1/PadN that puts its Type octet on its RFC alignment (xn+y counted from the start
 * of the MH), and pads the end to a multiple of 8. dmm_mh_parse() is strict about framing and
 * lengths, lenient where the RFCs say "ignore": Reserved fields, reserved flag bits, PadN
 * contents, unknown option types (skipped by Length), the option order and alignment, and the
 * bits of a prefix past its Prefix Length (cleared, so every struct dmm_prefix it returns has
 * zero host bits).
 *
 * Canonical option order and alignment (the order of the RFC 8885 relay PBA in PROTOCOL.md §2.2):
 *
 *   type  option                       align   source
 *   22    Home Network Prefix *        8n+4    RFC 5213 §8.3
 *   27    Timestamp                    8n+2    RFC 5213 §8.8
 *   23    Handoff Indicator            -       RFC 5213 §8.4
 *   24    Access Technology Type       -       RFC 5213 §8.5
 *    8    Mobile Node Identifier       -       RFC 4283 §3
 *   25    MN Link-layer Identifier     -  (a) RFC 5213 §8.6
 *   26    Link-local Address           8n+6    RFC 5213 §8.7
 *    3    Alternate Care-of Address    8n+6    RFC 6275 §6.2.5
 *   68    Serving MAAR                 8n+6    RFC 8885 §4.6
 *   69    DLIF Link-Local Address      8n+6    RFC 8885 §4.7   (message-level)
 *   70    DLIF Link-Layer Address      -  (a) RFC 8885 §4.8   (message-level)
 *   66    Local Prefix *               8n+4    RFC 8885 §4.4   (message-level)
 *   67    Previous MAAR *              8n+4    RFC 8885 §4.5   each followed by its own 69, 70,
 *                                                              66* (b)
 *   65    Anchored Prefix *            8n+4    RFC 8885 §4.3
 *   28    Restart Counter              4n+2    RFC 5847 §3.4
 *   (* = repeatable, kept in wire order)
 *
 * (a) RFC 5213 §8.6 and RFC 8885 §4.8 say only "aligned appropriately for the size of the
 *     address". A link-layer address is an octet string (RFC 4861 §4.6), i.e. fields of width 1
 *     under RFC 6275 §6.2.1's natural-boundary rule, so no alignment is applied; the parser
 *     accepts any alignment of every option anyway.
 * (b) RFC 8885 does not say how the CMD ties DLIF options (69/70) or Local Prefix options (66) to
 *     one of several P-MAARs in a merged PBA (PROTOCOL.md gap G4; RFC 8885 §3.7 wants the S-MAAR
 *     to advertise each Local Prefix on the DLIF of the MAAR that reported it). Convention here:
 *     a 69, 70 or 66 option that follows a Previous MAAR option belongs to the most recent one
 *     (struct dmm_mh_pmaar, at most DMM_MH_MAX_PMAAR_LOCAL 66s each); those before any Previous
 *     MAAR option are message-level (a P-MAAR's own PBA). 69/70 may appear once per scope. The
 *     builder therefore writes the message-level 66s before the first 67.
 *
 * The codec does not enforce which options a message type may carry (RFC 8885: 65/66 "only if
 * the D bit is set"; RFC 5847: Restart Counter only in a Heartbeat Response): it reports what it
 * finds and the protocol layer decides (PROTOCOL.md G8).
 */
#ifndef DMM_MH_H
#define DMM_MH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dmm_ip6.h"

#define DMM_MH_IPPROTO	     135  /* IPv6 Next Header value of the MH (RFC 6275 §6.1.1) */
#define DMM_MH_PAYLOAD_PROTO 59	  /* IPPROTO_NONE, the only accepted Payload Proto (§9.2) */
#define DMM_MH_CKSUM_OFF     4	  /* checksum offset, for setsockopt(IPV6_CHECKSUM) */
#define DMM_MH_MAX_LEN	     2048 /* (Header Len 255 + 1) * 8 */

/* MH types (IANA "Mobility Header Types"). Only these are known to the codec; any other value
 * parses as DMM_MH_E_UNKNOWN_TYPE, so the caller answers Binding Error status 2. */
enum dmm_mh_type {
	DMM_MH_BU = 5,	/* (Proxy) Binding Update, RFC 6275 §6.1.7, RFC 5213 §8.1 */
	DMM_MH_BA = 6,	/* (Proxy) Binding Acknowledgement, RFC 6275 §6.1.8, RFC 5213 §8.2 */
	DMM_MH_BE = 7,	/* Binding Error, RFC 6275 §6.1.9 */
	DMM_MH_HB = 13, /* Heartbeat, RFC 5847 §3.3 */
};

/* Mobility option types (IANA "Mobility Options"). */
enum dmm_mh_opt_type {
	DMM_MH_OPT_PAD1 = 0,	      /* RFC 6275 §6.2.2 */
	DMM_MH_OPT_PADN = 1,	      /* RFC 6275 §6.2.3 */
	DMM_MH_OPT_ACOA = 3,	      /* Alternate Care-of Address, RFC 6275 §6.2.5 */
	DMM_MH_OPT_MNID = 8,	      /* Mobile Node Identifier, RFC 4283 */
	DMM_MH_OPT_HNP = 22,	      /* Home Network Prefix, RFC 5213 §8.3 */
	DMM_MH_OPT_HI = 23,	      /* Handoff Indicator, RFC 5213 §8.4 */
	DMM_MH_OPT_ATT = 24,	      /* Access Technology Type, RFC 5213 §8.5 */
	DMM_MH_OPT_MN_LLID = 25,      /* MN Link-layer Identifier, RFC 5213 §8.6 */
	DMM_MH_OPT_LLA = 26,	      /* Link-local Address, RFC 5213 §8.7 */
	DMM_MH_OPT_TIMESTAMP = 27,    /* RFC 5213 §8.8 */
	DMM_MH_OPT_RESTART = 28,      /* Restart Counter, RFC 5847 §3.4 */
	DMM_MH_OPT_ANCHORED_PFX = 65, /* RFC 8885 §4.3 */
	DMM_MH_OPT_LOCAL_PFX = 66,    /* RFC 8885 §4.4 */
	DMM_MH_OPT_PREV_MAAR = 67,    /* RFC 8885 §4.5 */
	DMM_MH_OPT_SERVING_MAAR = 68, /* RFC 8885 §4.6 */
	DMM_MH_OPT_DLIF_LLA = 69,     /* DLIF Link-Local Address, RFC 8885 §4.7 */
	DMM_MH_OPT_DLIF_L2 = 70,      /* DLIF Link-Layer Address, RFC 8885 §4.8 */
};

/* PBU flags word (IANA "Binding Update Flags"); 0x000f is reserved: never sent, ignored. */
#define DMM_MH_BU_A	   0x8000 /* acknowledge, RFC 6275 */
#define DMM_MH_BU_H	   0x4000 /* home registration, RFC 6275 */
#define DMM_MH_BU_L	   0x2000 /* link-local compatibility, RFC 6275 */
#define DMM_MH_BU_K	   0x1000 /* key management mobility, RFC 6275 */
#define DMM_MH_BU_M	   0x0800 /* MAP registration, RFC 4140 */
#define DMM_MH_BU_R	   0x0400 /* mobile router, RFC 3963 */
#define DMM_MH_BU_P	   0x0200 /* proxy registration, RFC 5213 §8.1 */
#define DMM_MH_BU_F	   0x0100 /* forcing UDP encapsulation, RFC 5555 */
#define DMM_MH_BU_T	   0x0080 /* TLV-header format, RFC 5845 */
#define DMM_MH_BU_B	   0x0040 /* bulk binding update, RFC 6602 */
#define DMM_MH_BU_S	   0x0020 /* RFC 7161 */
#define DMM_MH_BU_D	   0x0010 /* from a MAAR or CMD, RFC 8885 §4.1 */
#define DMM_MH_BU_RESERVED 0x000f

/* PBA flags octet (IANA "Binding Acknowledgment Flags"); 0x01 is reserved. */
#define DMM_MH_BA_K	   0x80 /* RFC 6275 */
#define DMM_MH_BA_R	   0x40 /* RFC 3963 */
#define DMM_MH_BA_P	   0x20 /* proxy registration, RFC 5213 §8.2 */
#define DMM_MH_BA_T	   0x10 /* RFC 5845 */
#define DMM_MH_BA_B	   0x08 /* RFC 6602 */
#define DMM_MH_BA_S	   0x04 /* RFC 7161 */
#define DMM_MH_BA_D	   0x02 /* sender can act as MAAR or CMD, RFC 8885 §4.2 */
#define DMM_MH_BA_RESERVED 0x01

/* Heartbeat flags (the low bits of a 16-bit word; the other 14 bits are reserved). */
#define DMM_MH_HB_U	   0x0002 /* unsolicited response, RFC 5847 §3.3 */
#define DMM_MH_HB_R	   0x0001 /* 1 = response, 0 = request */
#define DMM_MH_HB_RESERVED 0xfffc

/* PBA Status (RFC 6275 §6.1.8, RFC 5213 §8.9 with the RFC's names). < 128 = accepted. */
enum dmm_mh_status {
	DMM_MH_ST_ACCEPTED = 0,
	DMM_MH_ST_REASON_UNSPECIFIED = 128,
	DMM_MH_ST_ADMIN_PROHIBITED = 129,
	DMM_MH_ST_INSUFFICIENT_RESOURCES = 130,
	DMM_MH_ST_SEQ_OUT_OF_WINDOW = 135,
	DMM_MH_ST_REG_TYPE_CHANGE_DISALLOWED = 139,
	DMM_MH_ST_PROXY_REG_NOT_ENABLED = 152,
	DMM_MH_ST_NOT_LMA_FOR_THIS_MOBILE_NODE = 153,
	DMM_MH_ST_MAG_NOT_AUTHORIZED_FOR_PROXY_REG = 154,
	DMM_MH_ST_NOT_AUTHORIZED_FOR_HOME_NETWORK_PREFIX = 155,
	DMM_MH_ST_TIMESTAMP_MISMATCH = 156,
	DMM_MH_ST_TIMESTAMP_LOWER_THAN_PREV_ACCEPTED = 157,
	DMM_MH_ST_MISSING_HOME_NETWORK_PREFIX_OPTION = 158,
	DMM_MH_ST_BCE_PBU_PREFIX_SET_DO_NOT_MATCH = 159,
	DMM_MH_ST_MISSING_MN_IDENTIFIER_OPTION = 160,
	DMM_MH_ST_MISSING_HANDOFF_INDICATOR_OPTION = 161,
	DMM_MH_ST_MISSING_ACCESS_TECH_TYPE_OPTION = 162,
	DMM_MH_ST_INVALID_COA = 174,
};

/* Binding Error Status (RFC 6275 §6.1.9). */
enum dmm_mh_be_status {
	DMM_MH_BE_UNKNOWN_HAO = 1,     /* unknown binding for Home Address destination option */
	DMM_MH_BE_UNKNOWN_MH_TYPE = 2, /* unrecognized MH Type value */
};

/* Handoff Indicator values (RFC 5213 §8.4; 6 from RFC 7864 via IANA). */
enum dmm_mh_hi {
	DMM_MH_HI_RESERVED = 0,
	DMM_MH_HI_NEW_IFACE = 1,	/* attachment over a new interface */
	DMM_MH_HI_IFACE_CHANGE = 2,	/* handoff between two interfaces of the MN */
	DMM_MH_HI_MAG_CHANGE = 3,	/* handoff between MAGs for the same interface */
	DMM_MH_HI_UNKNOWN = 4,		/* handoff state unknown */
	DMM_MH_HI_NOT_CHANGED = 5,	/* handoff state not changed (re-registration) */
	DMM_MH_HI_NEW_IFACE_SHARED = 6, /* new interface sharing prefixes, RFC 7864 */
};

/* Access Technology Type values (RFC 5213 §8.5 for 0-5, IANA for the rest). */
enum dmm_mh_att {
	DMM_MH_ATT_RESERVED = 0,
	DMM_MH_ATT_VIRTUAL = 1,
	DMM_MH_ATT_PPP = 2,
	DMM_MH_ATT_IEEE8023 = 3,
	DMM_MH_ATT_IEEE80211 = 4,
	DMM_MH_ATT_IEEE80216E = 5,
	DMM_MH_ATT_3GPP_GERAN = 6,
	DMM_MH_ATT_3GPP_UTRAN = 7,
	DMM_MH_ATT_3GPP_EUTRAN = 8,
	DMM_MH_ATT_3GPP2_EHRPD = 9,
	DMM_MH_ATT_3GPP2_HRPD = 10,
	DMM_MH_ATT_3GPP2_1XRTT = 11,
	DMM_MH_ATT_3GPP2_UMB = 12,
	DMM_MH_ATT_3GPP_NBIOT = 13,
};

#define DMM_MH_MNID_NAI 1 /* MN-ID subtype NAI (RFC 4283 §3.1), the only one accepted */

/* Limits. A parse that finds more repeated options than these fails with DMM_MH_E_TOO_MANY. */
#define DMM_MH_MAX_HNP	       16
#define DMM_MH_MAX_PFX	       16  /* Anchored Prefix (65) and Local Prefix (66), each */
#define DMM_MH_MAX_PMAAR       16  /* Previous MAAR (67) */
#define DMM_MH_MAX_PMAAR_LOCAL 4   /* Local Prefix (66) per Previous MAAR option (convention (b)) */
#define DMM_MH_NAI_MAX	       254 /* Option Length 255 = Subtype + 254 octets */
#define DMM_MH_LLADDR_MAX      32  /* link-layer address octets in options 25 and 70 */

/* Error codes: every function returns 0 or one of these (negative, outside the errno range). */
enum dmm_mh_err {
	DMM_MH_OK = 0,
	DMM_MH_E_TRUNCATED = -1001,	 /* fewer than 8 octets */
	DMM_MH_E_BAD_LEN = -1002,	 /* (Header Len + 1) * 8 != the length given */
	DMM_MH_E_BAD_CHECKSUM = -1003,	 /* drop silently (RFC 6275 §9.2) */
	DMM_MH_E_UNKNOWN_TYPE = -1004,	 /* answer Binding Error status 2; msg->type is set */
	DMM_MH_E_BAD_PROTO = -1005,	 /* Payload Proto != 59: ICMPv6 Param Problem, pointer 0 */
	DMM_MH_E_HDRLEN_SHORT = -1006,	 /* Header Len < the type's minimum: pointer 1 */
	DMM_MH_E_OPT_TRUNCATED = -1007,	 /* option header or data runs past the end of the MH */
	DMM_MH_E_OPT_BAD_LEN = -1008,	 /* wrong fixed Length, or variable Length out of range */
	DMM_MH_E_OPT_DUPLICATE = -1009,	 /* a singleton option appears twice (in one scope) */
	DMM_MH_E_TOO_MANY = -1010,	 /* more repeated options than DMM_MH_MAX_* */
	DMM_MH_E_BAD_PREFIX_LEN = -1011, /* Prefix Length > 128 */
	DMM_MH_E_MNID_SUBTYPE = -1012,	 /* MN-ID subtype other than NAI */
	DMM_MH_E_MNID_EMPTY = -1013,	 /* empty NAI outside a rejecting PBA (RFC 5213 §5.3.6) */
	DMM_MH_E_MNID_NUL = -1014,	 /* NUL octet inside the NAI */
	DMM_MH_E_NOSPACE = -1015,	 /* build: cap too small (*len says how much is needed) */
	DMM_MH_E_TOO_BIG = -1016,	 /* build: the message would exceed DMM_MH_MAX_LEN */
	DMM_MH_E_INVALID = -1017,	 /* bad argument (e.g. only one of src/dst given) */
};

/* Fixed part of each message type. Lifetimes are in the wire's 4-second units. */
struct dmm_mh_bu {
	uint16_t seq;
	uint16_t flags; /* DMM_MH_BU_*; reserved bits cleared on parse, never sent */
	uint16_t lifetime;
};

struct dmm_mh_ba {
	uint8_t status; /* enum dmm_mh_status */
	uint8_t flags;	/* DMM_MH_BA_* */
	uint16_t seq;
	uint16_t lifetime;
};

struct dmm_mh_be {
	uint8_t status;	    /* enum dmm_mh_be_status */
	struct dmm_ip6 hoa; /* Home Address, :: when the offending packet had none */
};

struct dmm_mh_hb {
	uint16_t flags; /* DMM_MH_HB_U | DMM_MH_HB_R */
	uint32_t seq;
};

/* A link-layer address as carried in options 25 and 70 (after their 2 Reserved octets). */
struct dmm_mh_lladdr {
	uint8_t len; /* 1..DMM_MH_LLADDR_MAX */
	uint8_t a[DMM_MH_LLADDR_MAX];
};

/* Previous MAAR option (67) plus the DLIF and Local Prefix options that followed it (convention
 * (b) above). */
struct dmm_mh_pmaar {
	struct dmm_ip6 addr;   /* the P-MAAR's global address */
	struct dmm_prefix hnp; /* the MN's prefix anchored there */
	bool has_dlif_lla;
	bool has_dlif_l2;
	struct dmm_ip6 dlif_lla;
	struct dmm_mh_lladdr dlif_l2;
	uint8_t n_local; /* that P-MAAR's Local Prefixes (66), in wire order */
	struct dmm_prefix local[DMM_MH_MAX_PMAAR_LOCAL];
};

struct dmm_mh_opts {
	/* Singletons: present iff has_* (a second occurrence is DMM_MH_E_OPT_DUPLICATE). */
	bool has_mnid;
	bool has_hi;
	bool has_att;
	bool has_mn_llid;
	bool has_lla;
	bool has_acoa;
	bool has_ts;
	bool has_restart;
	bool has_smaar;
	bool has_dlif_lla;
	bool has_dlif_l2;
	uint8_t hi;  /* enum dmm_mh_hi */
	uint8_t att; /* enum dmm_mh_att */
	/* MN-ID, subtype NAI. nai[nai_len] is always '\0' and the NAI holds no other NUL. An empty
	 * NAI is only valid in a PBA with a rejecting status: RFC 5213 §5.3.6 answers a PBU that
	 * lacked an MN-ID with a zero-length identifier. */
	uint8_t nai_len;
	char nai[DMM_MH_NAI_MAX + 1];
	struct dmm_mh_lladdr mn_llid;
	struct dmm_ip6 lla;	 /* Link-local Address (26): the MAG's, ALL_ZERO = "supply one" */
	struct dmm_ip6 acoa;	 /* Alternate Care-of Address (3) */
	uint64_t ts;		 /* Timestamp, see dmm_mh_ts_make() */
	uint32_t restart;	 /* Restart Counter */
	struct dmm_ip6 smaar;	 /* Serving MAAR: the S-MAAR's global address */
	struct dmm_ip6 dlif_lla; /* message-level DLIF Link-Local Address */
	struct dmm_mh_lladdr dlif_l2; /* message-level DLIF Link-Layer Address */

	/* Repeatable, in wire order. */
	uint8_t n_hnp;
	uint8_t n_anchored;
	uint8_t n_local;
	uint8_t n_pmaar;
	struct dmm_prefix hnp[DMM_MH_MAX_HNP]; /* an ALL_ZERO prefix asks the anchor to allocate */
	struct dmm_prefix anchored[DMM_MH_MAX_PFX];
	struct dmm_prefix local[DMM_MH_MAX_PFX]; /* message-level: before any 67 (b) */
	struct dmm_mh_pmaar pmaar[DMM_MH_MAX_PMAAR];
};

struct dmm_mh_msg {
	uint8_t type; /* enum dmm_mh_type */
	union {
		struct dmm_mh_bu bu;
		struct dmm_mh_ba ba;
		struct dmm_mh_be be;
		struct dmm_mh_hb hb;
	};
	struct dmm_mh_opts opt;
};

/* Encode m into buf. src and dst (both or neither) are the IPv6 addresses of the packet that
 * will carry it: given, the checksum is computed; NULL, it is left 0 for a raw socket with
 * IPV6_CHECKSUM = DMM_MH_CKSUM_OFF. Reserved fields and bits are sent as 0, prefixes with their
 * host bits cleared. The message is validated with the parser's rules first, so whatever builds
 * also parses. On success *len is the MH length (a multiple of 8); on DMM_MH_E_NOSPACE it is the
 * length that would have been needed. Returns 0 or a negative enum dmm_mh_err. */
int dmm_mh_build(const struct dmm_mh_msg *m, const struct dmm_ip6 *src, const struct dmm_ip6 *dst,
		 uint8_t *buf, size_t cap, size_t *len);

/* Decode the len octets of one MH (the IPv6 payload after any extension headers). Checks, in
 * this order: len >= 8; Header Len matches len; checksum (only when src and dst are given; NULL
 * means the kernel already verified it); MH type known (else DMM_MH_E_UNKNOWN_TYPE with m->type
 * set); Payload Proto 59; Header Len at least the type's fixed part; then the fixed fields and
 * every option. m is zeroed first, and is only meaningful on success (and m->type on
 * DMM_MH_E_UNKNOWN_TYPE). Returns 0 or a negative enum dmm_mh_err. */
int dmm_mh_parse(const uint8_t *buf, size_t len, const struct dmm_ip6 *src,
		 const struct dmm_ip6 *dst, struct dmm_mh_msg *m);

/* Internet checksum of the IPv6 pseudo-header (src, dst, 32-bit length, next header 135; RFC
 * 8200 §8.1) followed by the len octets at mh, as they are. With the Checksum field zeroed this
 * is the value to store there; over a received MH with its checksum in place it is 0 iff valid. */
uint16_t dmm_mh_checksum(const struct dmm_ip6 *src, const struct dmm_ip6 *dst, const uint8_t *mh,
			 size_t len);

/* One line describing m, for logs and traces, e.g.
 * "PBU seq=7 flags=A,P,D lifetime=900(3600s) hnp=2001:db8:2::/64 ts=1700000000.500 hi=3 ...".
 * Every field and option is shown; non-printable NAI octets are escaped as \xNN. Returns what
 * snprintf would (the length of the full line); buf is always terminated when cap > 0. */
int dmm_mh_format(const struct dmm_mh_msg *m, char *buf, size_t cap);

/* "bad checksum", ... for an enum dmm_mh_err; "unknown error" for anything else. */
const char *dmm_mh_strerror(int err);
/* "PROXY_REG_NOT_ENABLED", ... for a PBA status; NULL for a value without a name here. */
const char *dmm_mh_status_name(uint8_t status);

/* RFC 5213 §8.9: below 128 the PBU was accepted. */
static inline bool dmm_mh_status_accepted(uint8_t status)
{
	return status < 128;
}

/* Lifetime in seconds to 4-second units: rounded up, so a non-zero lifetime never becomes 0
 * ("delete"), and capped at 0xffff (262140 s). RFC 6275 §6.1.7. */
static inline uint16_t dmm_mh_lifetime_units(uint32_t secs)
{
	uint32_t u = secs / 4 + (secs % 4 != 0);
	return u > 0xffff ? 0xffff : (uint16_t)u;
}
static inline uint32_t dmm_mh_lifetime_secs(uint16_t units)
{
	return (uint32_t)units * 4;
}

/* Timestamp option value (RFC 5213 §8.8): 48 bits of seconds since 1970-01-01 00:00 UTC, then
 * 16 bits of 1/65536 s. Not the NTP 1900 epoch. */
static inline uint64_t dmm_mh_ts_make(uint64_t sec, uint32_t nsec)
{
	return ((sec & 0xffffffffffffull) << 16) | (((uint64_t)nsec << 16) / 1000000000u & 0xffff);
}
static inline uint64_t dmm_mh_ts_sec(uint64_t ts)
{
	return ts >> 16;
}
/* Rounded up, so that dmm_mh_ts_make(dmm_mh_ts_sec(t), dmm_mh_ts_nsec(t)) == t. */
static inline uint32_t dmm_mh_ts_nsec(uint64_t ts)
{
	return (uint32_t)(((ts & 0xffff) * 1000000000u + 0xffff) >> 16);
}

#endif
