/* main.c - bin/ibsim (placeholder until the simulator lands). */
#include <stdio.h>
int main(void) { fprintf(stderr, "ibsim: not implemented yet\n"); return 2; }
