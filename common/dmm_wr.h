/* SPDX-License-Identifier: BSD-3-Clause */
/* Big-endian byte writer shared by the wire codecs (dmm_mh, dmm_nd). Writes stop at cap but
 * off keeps counting, so a builder learns the length it would have needed (its NOSPACE /
 * TOO_BIG answers) from one pass. */
#ifndef DMM_WR_H
#define DMM_WR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct dmm_wr {
	uint8_t *b;
	size_t cap;
	size_t off; /* counts on past cap */
};

static inline void dmm_wr_put(struct dmm_wr *w, const void *p, size_t n)
{
	if (w->off <= w->cap && n <= w->cap - w->off && n != 0)
		memcpy(w->b + w->off, p, n);
	w->off += n;
}

static inline void dmm_wr_u8(struct dmm_wr *w, uint8_t v)
{
	dmm_wr_put(w, &v, 1);
}

static inline void dmm_wr_u16(struct dmm_wr *w, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	dmm_wr_put(w, b, sizeof(b));
}

static inline void dmm_wr_u32(struct dmm_wr *w, uint32_t v)
{
	dmm_wr_u16(w, (uint16_t)(v >> 16));
	dmm_wr_u16(w, (uint16_t)v);
}

#endif
