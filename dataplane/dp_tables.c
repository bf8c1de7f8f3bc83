/* SPDX-License-Identifier: BSD-3-Clause */
#include "dp_tables.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_lpm6.h>
#include <rte_malloc.h>

#include "dp_ops.h"

static struct rte_hash *hash_create(const char *name, uint32_t entries, uint32_t key_len,
				    int socket)
{
	struct rte_hash_parameters p = {
		.name = name,
		/* rte_hash cannot always place the last few keys of a full table (bucket
		 * collisions): give it 1/8 headroom so the configured limit is reachable. */
		.entries = entries + entries / 8 + 8,
		.key_len = key_len,
		.hash_func = rte_hash_crc,
		.hash_func_init_val = 0,
		.socket_id = socket,
		/* Single writer and single reader (the owning worker): no locks, no RCU. */
		.extra_flag = 0,
	};
	return rte_hash_create(&p);
}

int dmm_tables_init(struct dmm_tables *t, const char *name, const struct dmm_tables_limits *lim,
		    int socket)
{
	char n[RTE_HASH_NAMESIZE];
	struct rte_lpm6_config lc;

	memset(t, 0, sizeof(*t));
	t->max_bind = lim->bindings;
	t->max_tun = lim->tunnels;
	t->max_routes = lim->routes;
	t->max_nh = lim->neighbours;

	uint64_t slots = 64;
	while (slots < 2 * (uint64_t)lim->bindings)
		slots <<= 1;
	t->bmask = slots - 1;
	t->bslot = rte_zmalloc_socket("bind", sizeof(*t->bslot) * slots, RTE_CACHE_LINE_SIZE,
				      socket);
	snprintf(n, sizeof(n), "p_%s", name);
	t->peer = hash_create(n, lim->tunnels, 16, socket);
	if (t->bslot == NULL || t->peer == NULL)
		goto fail;
	t->peer_tun = rte_zmalloc_socket("peer_tun",
					 sizeof(*t->peer_tun) * rte_hash_max_key_id(t->peer) + 64,
					 RTE_CACHE_LINE_SIZE, socket);
	t->tun = rte_zmalloc_socket("tun", sizeof(*t->tun) * lim->tunnels, RTE_CACHE_LINE_SIZE,
				    socket);
	t->nh = rte_zmalloc_socket("nh", sizeof(*t->nh) * lim->neighbours, RTE_CACHE_LINE_SIZE,
				   socket);
	if (t->peer_tun == NULL || t->tun == NULL || t->nh == NULL)
		goto fail;

	/* A route can need up to 13 tbl8 groups (128-bit key, 24-bit first level, 8 bits per
	 * further level); most share groups with their neighbours, so 4 per route plus a
	 * floor is ample without reserving the worst case for every rule. */
	lc.max_rules = lim->routes + 2; /* + the default route's second half */
	lc.number_tbl8s = lim->routes * 4 + 256;
	lc.flags = 0;
	snprintf(n, sizeof(n), "l_%s", name);
	t->lpm = rte_lpm6_create(n, socket, &lc);
	if (t->lpm == NULL)
		goto fail;
	return 0;
fail:
	dmm_tables_free(t);
	return -ENOMEM;
}

void dmm_tables_free(struct dmm_tables *t)
{
	rte_free(t->bslot);
	rte_hash_free(t->peer);
	rte_lpm6_free(t->lpm);
	rte_free(t->peer_tun);
	rte_free(t->tun);
	rte_free(t->nh);
	memset(t, 0, sizeof(*t));
}

const struct dmm_binding *dmm_tables_binding(const struct dmm_tables *t, const uint8_t *addr)
{
	uint64_t k = dmm_bind_key(addr);
	return dmm_bind_find(t, k, dmm_bind_home(t, k));
}

uint32_t dmm_tables_peer(const struct dmm_tables *t, const uint8_t *addr)
{
	/* rte_hash_crc reads the key 8 bytes at a time: give it an aligned copy rather than
	 * a pointer into the packet. */
	uint64_t key[2];
	memcpy(key, addr, sizeof(key));
	int32_t pos = rte_hash_lookup(t->peer, key);
	return pos < 0 ? DMM_TUNNEL_NONE : t->peer_tun[pos];
}

uint32_t dmm_tables_route(const struct dmm_tables *t, const uint8_t *addr)
{
	uint32_t nh;
	if (rte_lpm6_lookup(t->lpm, addr, &nh) != 0)
		return DMM_NH_NONE;
	return nh;
}

static int bind_set(struct dmm_tables *t, const struct dmm_op *op)
{
	uint64_t k;

	if (!(op->u.bind.flags & (DMM_BIND_ANCHORED | DMM_BIND_ATTACHED)))
		return -EINVAL;
	/* Only the local/local case may go without a tunnel. */
	if ((op->u.bind.flags & (DMM_BIND_ANCHORED | DMM_BIND_ATTACHED)) !=
		    (DMM_BIND_ANCHORED | DMM_BIND_ATTACHED) &&
	    op->u.bind.tunnel >= t->max_tun)
		return -EINVAL;
	memcpy(&k, op->u.bind.prefix, sizeof(k));
	uint64_t i = dmm_bind_home(t, k);
	while (t->bslot[i].b.flags != 0 && t->bslot[i].key != k)
		i = (i + 1) & t->bmask;
	struct dmm_bind_slot *s = &t->bslot[i];
	if (s->b.flags == 0) {
		if (t->n_bind >= t->max_bind)
			return -ENOSPC;
		s->key = k;
		t->n_bind++;
	}
	s->b.flags = op->u.bind.flags;
	s->b.port = op->port;
	s->b.tunnel = op->u.bind.tunnel;
	s->b.mac = op->u.bind.mac;
	s->b.dlif_mac = op->u.bind.dlif_mac;
	return 0;
}

static int bind_del(struct dmm_tables *t, const struct dmm_op *op)
{
	uint64_t k, i, j;

	memcpy(&k, op->u.bind.prefix, sizeof(k));
	i = dmm_bind_home(t, k);
	while (t->bslot[i].key != k || t->bslot[i].b.flags == 0) {
		if (t->bslot[i].b.flags == 0)
			return -ENOENT;
		i = (i + 1) & t->bmask;
	}
	/* Backward-shift deletion (Knuth 6.4 Algorithm R): pull later members of the cluster
	 * into the hole unless that would move them before their home slot. */
	for (j = i;;) {
		j = (j + 1) & t->bmask;
		if (t->bslot[j].b.flags == 0)
			break;
		uint64_t h = dmm_bind_home(t, t->bslot[j].key);
		bool stays = i <= j ? (i < h && h <= j) : (i < h || h <= j);
		if (stays)
			continue;
		t->bslot[i] = t->bslot[j];
		i = j;
	}
	memset(&t->bslot[i], 0, sizeof(t->bslot[i]));
	t->n_bind--;
	return 0;
}

static int tunnel_set(struct dmm_tables *t, const struct dmm_op *op)
{
	struct dmm_tunnel *tu;
	int32_t pos;

	if (op->id >= t->max_tun)
		return -EINVAL;
	tu = &t->tun[op->id];
	/* A tunnel whose remote changes must not leave the old peer accepted. */
	if (tu->valid && memcmp(tu->remote, op->u.tunnel.remote, 16) != 0) {
		pos = rte_hash_del_key(t->peer, tu->remote);
		if (pos >= 0)
			t->peer_tun[pos] = DMM_TUNNEL_NONE;
	}
	pos = rte_hash_add_key(t->peer, op->u.tunnel.remote);
	if (pos < 0)
		return pos;
	t->peer_tun[pos] = op->id;
	if (!tu->valid)
		t->n_tun++;
	memcpy(tu->local, op->u.tunnel.local, 16);
	memcpy(tu->remote, op->u.tunnel.remote, 16);
	tu->mtu = op->u.tunnel.mtu;
	tu->nh = op->u.tunnel.nh;
	tu->valid = 1;
	return 0;
}

static int tunnel_del(struct dmm_tables *t, const struct dmm_op *op)
{
	struct dmm_tunnel *tu;
	int32_t pos;

	if (op->id >= t->max_tun || !t->tun[op->id].valid)
		return -ENOENT;
	tu = &t->tun[op->id];
	pos = rte_hash_del_key(t->peer, tu->remote);
	if (pos >= 0)
		t->peer_tun[pos] = DMM_TUNNEL_NONE;
	memset(tu, 0, sizeof(*tu));
	t->n_tun--;
	return 0;
}

/* rte_lpm6 rejects depth 0, so the default route is held as its two halves, ::/1 and
 * 8000::/1, which match exactly what ::/0 would. */
static int lpm_add(struct rte_lpm6 *lpm, const uint8_t *prefix, uint8_t len, uint32_t nh)
{
	uint8_t half[16] = {0};
	int rc;

	if (len != 0)
		return rte_lpm6_add(lpm, prefix, len, nh);
	rc = rte_lpm6_add(lpm, half, 1, nh);
	if (rc < 0)
		return rc;
	half[0] = 0x80;
	return rte_lpm6_add(lpm, half, 1, nh);
}

static int lpm_del(struct rte_lpm6 *lpm, const uint8_t *prefix, uint8_t len)
{
	uint8_t half[16] = {0};
	int rc;

	if (len != 0)
		return rte_lpm6_delete(lpm, prefix, len);
	rc = rte_lpm6_delete(lpm, half, 1);
	half[0] = 0x80;
	return rte_lpm6_delete(lpm, half, 1) < 0 ? -ENOENT : rc;
}

static bool lpm_present(struct rte_lpm6 *lpm, const uint8_t *prefix, uint8_t len)
{
	static const uint8_t low_half[16] = {0};
	uint32_t old;
	return rte_lpm6_is_rule_present(lpm, len ? prefix : low_half, len ? len : 1, &old) == 1;
}

static int route_add(struct dmm_tables *t, const struct dmm_op *op)
{
	bool exists;
	int rc;

	if (op->u.route.len > 128 || op->u.route.nh >= t->max_nh)
		return -EINVAL;
	exists = lpm_present(t->lpm, op->u.route.prefix, op->u.route.len);
	if (!exists && t->n_routes >= t->max_routes)
		return -ENOSPC;
	rc = lpm_add(t->lpm, op->u.route.prefix, op->u.route.len, op->u.route.nh);
	if (rc < 0)
		return rc;
	if (!exists)
		t->n_routes++;
	return 0;
}

static int route_del(struct dmm_tables *t, const struct dmm_op *op)
{
	int rc = lpm_del(t->lpm, op->u.route.prefix, op->u.route.len);
	if (rc < 0)
		return rc;
	t->n_routes--;
	return 0;
}

static int nh_set(struct dmm_tables *t, const struct dmm_op *op)
{
	struct dmm_nexthop *nh;

	if (op->id >= t->max_nh)
		return -EINVAL;
	nh = &t->nh[op->id];
	if (!nh->valid)
		t->n_nh++;
	nh->mac = op->u.nh.mac;
	nh->port = op->port;
	nh->resolved = op->u.nh.resolved;
	nh->valid = 1;
	return 0;
}

static int nh_del(struct dmm_tables *t, const struct dmm_op *op)
{
	if (op->id >= t->max_nh || !t->nh[op->id].valid)
		return -ENOENT;
	memset(&t->nh[op->id], 0, sizeof(t->nh[op->id]));
	t->n_nh--;
	return 0;
}

static int addr_add(struct dmm_tables *t, const struct dmm_op *op)
{
	if (dmm_tables_local(t, op->u.addr.addr) >= 0)
		return 0;
	if (t->n_local >= DMM_MAX_LOCAL_ADDRS)
		return -ENOSPC;
	memcpy(t->local_addr[t->n_local], op->u.addr.addr, 16);
	t->local_port[t->n_local] = op->port;
	t->n_local++;
	return 0;
}

static int addr_del(struct dmm_tables *t, const struct dmm_op *op)
{
	int i = dmm_tables_local(t, op->u.addr.addr);
	if (i < 0)
		return -ENOENT;
	t->n_local--;
	memcpy(t->local_addr[i], t->local_addr[t->n_local], 16);
	t->local_port[i] = t->local_port[t->n_local];
	return 0;
}

int dmm_tables_apply(struct dmm_tables *t, const struct dmm_op *op)
{
	switch (op->type) {
	case DMM_OP_NOP:
		return 0;
	case DMM_OP_BIND_SET:
		return bind_set(t, op);
	case DMM_OP_BIND_DEL:
		return bind_del(t, op);
	case DMM_OP_TUNNEL_SET:
		return tunnel_set(t, op);
	case DMM_OP_TUNNEL_DEL:
		return tunnel_del(t, op);
	case DMM_OP_ROUTE_ADD:
		return route_add(t, op);
	case DMM_OP_ROUTE_DEL:
		return route_del(t, op);
	case DMM_OP_NH_SET:
		return nh_set(t, op);
	case DMM_OP_NH_DEL:
		return nh_del(t, op);
	case DMM_OP_ADDR_ADD:
		return addr_add(t, op);
	case DMM_OP_ADDR_DEL:
		return addr_del(t, op);
	}
	return -EINVAL;
}
