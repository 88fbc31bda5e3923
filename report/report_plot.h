/*
** report_plot.h - charts of the HTML report drawn by gnuplot (SVG
** terminal).  gnuplot is found as $DYNO_GNUPLOT, else "gnuplot" on the
** PATH; DYNO_GNUPLOT=none turns charts off (the tests use it so their
** golden files do not depend on the gnuplot version).
*/
#ifndef DYNO_REPORT_PLOT_H
#define DYNO_REPORT_PLOT_H

#include <stddef.h>

#include "report_content.h"

/*
** Draw the n charts with one run of gnuplot.  On success returns 0 and
** svg[i] is a new string (the chart's <svg> element, prolog stripped)
** that the caller frees.  When gnuplot is missing, turned off or fails,
** returns -1, leaves every svg[i] NULL and puts one line saying why into
** why (n bytes).  Never exits, whatever gnuplot does.
*/
int report_plot(struct report_chart *const *charts, size_t n, char **svg,
		char *why, size_t whylen);

#endif
