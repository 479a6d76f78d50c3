/*
 * sim_account_list.c - ibsim's managedAccounts list: which accounts the
 * gateway names and in which order, set from --accounts / --account-count
 * and changed at run time from the control port, as an advisor's gateway
 * does when accounts are added or closed.  Event-loop thread only.
 *
 * An account that leaves the list keeps its data (it is only no longer
 * named, downloaded or positioned); one that comes back has it again.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "sim/sim.h"

void
sim_managed_accounts(const struct sim *s, char *buf, size_t cap)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < s->nlist && n < cap; i++)
		n += (size_t)snprintf(buf + n, cap - n, "%s%s", i ? "," : "", s->acct[s->list[i]].id);
}

void
sim_account_list_generate(int n, char *buf, size_t cap)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int i = 1; i <= n && len < cap; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%sDU%07d", i > 1 ? "," : "", i);
}

int
sim_account_list_set(struct sim *s, const char *list, bool check, char *err, size_t cap)
{
	const char *p = list;
	int nlist = 0;
	static int order[SIM_MAX_ACCOUNTS];

	while (*p) {
		size_t n = strcspn(p, ",");
		char id[sizeof(s->acct[0].id)];
		if (n > 0) {
			if (n >= sizeof(id)) {
				snprintf(err, cap, "accounts: '%.*s' is longer than %zu bytes", (int)n, p, sizeof(id) - 1);
				return -1;
			}
			for (size_t i = 0; check && i < n; i++)
				if (!isalnum((unsigned char)p[i]) && p[i] != '_' && p[i] != '-') {
					snprintf(err, cap, "--accounts: '%.*s' is not an account code", (int)n, p);
					return -1;
				}
			memcpy(id, p, n);
			id[n] = '\0';
			int ai = sim_account_add(s, id);
			if (ai < 0 || nlist == SIM_MAX_ACCOUNTS) {
				snprintf(err, cap, "accounts: at most %d accounts", SIM_MAX_ACCOUNTS);
				return -1;
			}
			/* a repeated code counts once */
			bool seen = false;
			for (int k = 0; k < nlist && !seen; k++)
				seen = order[k] == ai;
			if (!seen)
				order[nlist++] = ai;
		}
		p += n + (p[n] == ',');
	}
	for (int i = 0; i < s->nacct; i++)
		s->acct[i].listed = false;
	for (int i = 0; i < nlist; i++) {
		s->list[i] = order[i];
		s->acct[order[i]].listed = true;
	}
	s->nlist = nlist;
	return nlist;
}

int
sim_account_list_push(struct sim *s)
{
	static char list[SIM_LIST_CAP];
	int n = 0;

	sim_managed_accounts(s, list, sizeof(list));
	SIM_FOREACH_CLIENT(s, c) {
		if (c->state != SIM_CS_READY)
			continue;
		/* a subscription to an account no longer listed ends, as at IB */
		if (c->acct >= 0 && !s->acct[c->acct].listed) {
			c->acct = -1;
			c->acct_owed = false;
		}
		sim_enc_managed_accounts(&c->out, list);
		if (sim_client_ok(s, c))
			n++;
	}
	return n;
}
