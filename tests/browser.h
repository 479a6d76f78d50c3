/*
 * browser.h - a real browser for tests: Debian's headless chromium, driven
 * over the DevTools protocol on a pipe (--remote-debugging-pipe: requests
 * on its fd 3, replies on its fd 4, one JSON message per NUL), so there is
 * no port to find and nothing beyond the chromium package to install.
 *
 * A test opens a page, then asks for what the page shows with a JavaScript
 * expression evaluated in it (br_eval), polling with a deadline: the DOM the
 * browser rendered is the thing asserted on.  The browser runs in its own
 * process group with a profile in the test's temp directory; br_stop ends
 * the group and removes the profile.  Included by the test that uses it
 * (as test_sim.c includes simclient.c): one file, no build change.
 */
#ifndef IBPIPE_TESTS_BROWSER_H
#define IBPIPE_TESTS_BROWSER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define BR_MSG_CAP (8 << 20) /* a screenshot's base64 is the biggest reply */

typedef struct br {
	pid_t pid;
	int to, from;          /* our ends of its fd 3 and fd 4 */
	int next_id;
	char session[96];      /* the page's flattened session */
	char profile[300];     /* --user-data-dir */
	char log[300];         /* its stdout and stderr */
	char *in;              /* bytes read, not yet a whole message */
	size_t inlen;
	char err[256];
} br;

/* The chromium binary: $IB_CHROMIUM, else chromium or chromium-browser on PATH; NULL when none. */
const char *br_binary(void);
/* Start headless chromium with its profile and log under dir; 0, or -1 (b->err says why). */
int br_start(br *b, const char *dir, int width, int height);
/* Open url in a new page and attach to it; 0 or -1. */
int br_open(br *b, const char *url, int timeout_ms);
/* Evaluate a JavaScript expression in the page; its value as a string (String(value)) into out.  0 or -1. */
int br_eval(br *b, const char *expr, char *out, size_t cap, int timeout_ms);
/* Until expr evaluates to a string containing want; 0, or -1 on timeout (out holds the last value). */
int br_until(br *b, const char *expr, const char *want, char *out, size_t cap, int timeout_ms);
/* A PNG of the page's viewport to path; 0 or -1. */
int br_screenshot(br *b, const char *path, int timeout_ms);
/* Close the browser, end its process group, remove the profile. */
void br_stop(br *b);

#endif
