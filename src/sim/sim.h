/*
 * sim.h - ibsim, the simulated IB Gateway: shared state of its modules.
 *
 * One thread, one epoll loop.  Each client is a state machine (handshake,
 * startApi, requests) with an output buffer; every timer (delayed account
 * downloads, ticks, partial fills, stalls) is checked on each loop turn.
 */
#ifndef IBSIM_SIM_H
#define IBSIM_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include "ibpipe/req.h"
#include "ibpipe/wire.h"

#define SIM_MAX_CLIENTS 64
#define SIM_MAX_SYMBOLS 16384
#define SIM_MAX_ACCOUNTS 8
#define SIM_MAX_SUBS 16384
#define SIM_MAX_ORDERS 1024
#define SIM_OUT_CAP (8u << 20)

struct sim_symbol {
	char name[24];
	int32_t con_id;
	double bid, ask, last, volume;
};

struct sim_position {
	int sym;
	double qty, avg_cost;
};

struct sim_account {
	char id[24];
	double cash, realized;
	int npos;
	struct sim_position pos[64];
};

struct sim_order {
	int32_t id;
	int client;          /* index of the client that placed it, -1 while it is disconnected */
	int32_t owner_id;    /* its client id: a reconnecting client gets its orders back */
	int sym;
	int acct;
	char action[8], type[8], tif[8];
	double qty, lmt, aux, filled, avg;
	int64_t perm_id;
	char status[24];
	int64_t next_fill_ns; /* partial fills: when the next slice fills */
	bool live;
};

struct sim_sub {
	int32_t req_id;
	int sym;
	int kind;            /* 0 mkt data, 1 tick-by-tick, 2 depth */
	int tbt_type;        /* enum ib_tbt_type */
	int rows;
};

struct sim_client {
	int fd;
	int state;           /* 0 awaiting handshake, 1 awaiting startApi, 2 running */
	int server_version;
	int32_t client_id;
	ib_framer in;
	char *out;
	size_t out_len, out_off;
	int64_t connected_ns;
	int64_t download_at_ns;   /* when the account download may be sent */
	bool want_acct_updates, want_positions;
	char acct_sub[24];        /* initial download still owed for this account */
	char acct_live[24];       /* account whose updates this client receives */
	bool positions_live;
	bool closing;
	int nsubs;
	struct sim_sub *subs;
	int32_t next_valid_id;
	uint64_t msgs_in, msgs_out, orders, order_frames, errors;
	/* blast */
	int64_t blast_left;
	int64_t blast_start_ns, blast_sent;
	bool blast_armed;
	int64_t blast_arm_ns;
};

struct sim_opts {
	int port, control_port;
	char bind[64];
	char port_file[256];
	int server_version;
	int account_delay_ms, account_jitter_ms;
	bool no_download_end;
	double tick_rate;
	int partial_fill_above;
	int64_t blast;
	double blast_rate;
	bool stamp;
	bool restart_rollback;
};

struct sim {
	struct sim_opts o;
	int lfd, cfd, epfd;
	struct sim_client *clients[SIM_MAX_CLIENTS];
	struct sim_symbol sym[SIM_MAX_SYMBOLS];
	int nsym;
	struct sim_account acct[SIM_MAX_ACCOUNTS];
	int nacct;
	struct sim_order orders[SIM_MAX_ORDERS];
	int norders;
	int32_t next_order_id;
	int64_t next_exec;
	int64_t stall_until_ns;
	int64_t refuse_until_ns;
	int64_t next_tick_ns;
	uint64_t rng;
	int stop;
};

/* sim_send.c: inbound-message frames, appended to a client's output buffer */
void sim_frame(struct sim_client *c, const char *const *fields, int n);
void sim_send_error(struct sim_client *c, int32_t req_id, int code, const char *msg);
void sim_send_managed_accounts(struct sim *s, struct sim_client *c);
void sim_send_next_id(struct sim_client *c, int32_t id);
void sim_send_account_download(struct sim *s, struct sim_client *c, int acct);
void sim_send_positions(struct sim *s, struct sim_client *c);
void sim_send_open_order(struct sim *s, struct sim_client *c, const struct sim_order *o);
void sim_send_order_status(struct sim_client *c, const struct sim_order *o, double last_fill);
void sim_send_exec(struct sim *s, struct sim_client *c, const struct sim_order *o, int32_t req_id, double shares, double price,
		   int64_t exec_no);
void sim_send_contract(struct sim *s, struct sim_client *c, int32_t req_id, int sym);

/* sim_client.c */
void sim_client_input(struct sim *s, struct sim_client *c);
void sim_client_timers(struct sim *s, struct sim_client *c, int64_t now);
int sim_find_symbol(const struct sim *s, const char *name);
int sim_account_index(const struct sim *s, const char *id);

/* sim_market.c */
void sim_market_init(struct sim *s, const char *symbols);
void sim_market_tick(struct sim *s, int64_t now);
void sim_blast(struct sim *s, struct sim_client *c, int64_t now);
void sim_orders_work(struct sim *s, int64_t now);
void sim_order_place(struct sim *s, struct sim_client *c, const ib_req *r);
void sim_order_cancel(struct sim *s, struct sim_client *c, int32_t id);
void sim_send_sub_start(struct sim *s, struct sim_client *c, const struct sim_sub *sub);

/* main.c */
int64_t sim_now(void);
double sim_rand(struct sim *s); /* [0,1) */
void sim_close_client(struct sim *s, int idx, const char *why);
int sim_client_index(const struct sim *s, const struct sim_client *c);

#endif
