/*
** compare.h - `dyno compare`: two run documents (rundoc.h), probe by
** probe and metric by metric, with a verdict on each.
*/
#ifndef DYNO_COMPARE_H
#define DYNO_COMPARE_H

/* The whole command: argv[0] is "compare".  Returns the exit status: 0 no
** regression, 1 a metric regressed beyond --max-regression with p < alpha,
** 2 bad input. */
int compare_main(int argc, char **argv);

#endif
