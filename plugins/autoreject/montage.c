/*
** montage.c - 10-20 / 10-10 / 10-05 electrode positions.
**
** No digitised template is bundled: positions are derived from the
** systems' own construction on a sphere of radius 0.095 m in the head
** frame (x right, y nasion, z vertex).  Nasion, inion and the preauricular
** points lie on the equator, so one 10 % step of the 180 degree
** nasion-inion arc is 18 degrees: Cz is the pole, each row (Fp, AF, F,
** ... O) crosses the midline at a polar angle of 72, 54, 36 ... -72
** degrees (front positive), and the outer ring (Fpz, Fp2, F8, T8, ...)
** is the circle at 72 degrees, on which a row's last electrode sits at
** azimuth 90 - row angle.  Electrodes between the midline and the ring
** divide the great-circle arc between them in quarters (1/2 -> 1/4,
** 3/4 -> 1/2, 5/6 -> 3/4, 7/8 -> the ring, 9/10 one quarter beyond);
** 10-05 rows lie half-way between 10-10 rows.  This is the idealised
** geometry that spherical-spline interpolation assumes anyway.
*/
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "montage.h"

#define DEG (M_PI / 180.0)

struct row {
	const char *letters;   /* row prefix, e.g. "FC" */
	double angle;          /* midline polar angle, degrees, front > 0 */
	int level;             /* 2: 10-10 row, 3: 10-05 row */
};

static const struct row rows[] = {
	{ "Fp", 72, 2 }, { "AFp", 63, 3 }, { "AF", 54, 2 }, { "AFF", 45, 3 },
	{ "F", 36, 2 }, { "FFC", 27, 3 }, { "FC", 18, 2 }, { "FCC", 9, 3 },
	{ "C", 0, 2 }, { "CCP", -9, 3 }, { "CP", -18, 2 }, { "CPP", -27, 3 },
	{ "P", -36, 2 }, { "PPO", -45, 3 }, { "PO", -54, 2 }, { "POO", -63, 3 },
	{ "O", -72, 2 }, { "OI", -81, 3 },
};

/* The 10-20 system first: a 19- or 20-channel recording gets exactly the
** clinical set. */
static const char *const first[] = {
	"Fp1", "Fp2", "F7", "F3", "Fz", "F4", "F8", "T7", "C3", "Cz", "C4",
	"T8", "P7", "P3", "Pz", "P4", "P8", "O1", "O2", "Oz", "Fpz",
};

static void
sph(double theta, double phi, double out[3])
{
	out[0] = AR_HEAD_RADIUS * sin(theta) * sin(phi);
	out[1] = AR_HEAD_RADIUS * sin(theta) * cos(phi);
	out[2] = AR_HEAD_RADIUS * cos(theta);
}

/* Point at fraction f of the great-circle arc from a to b (beyond 1:
** continues along the same circle). */
static void
slerp(const double a[3], const double b[3], double f, double out[3])
{
	double dot = (a[0] * b[0] + a[1] * b[1] + a[2] * b[2]) /
		     (AR_HEAD_RADIUS * AR_HEAD_RADIUS);
	double om = acos(dot > 1 ? 1 : dot < -1 ? -1 : dot);
	double s = sin(om);

	for (int i = 0; i < 3; i++)
		out[i] = s < 1e-12 ? a[i] :
			 (sin((1 - f) * om) * a[i] + sin(f * om) * b[i]) / s;
}

/* Row r, electrode number num (0 = midline "z"; odd left, even right). */
static void
row_pos(const struct row *r, int num, double out[3])
{
	double mid[3], ring[3], f;
	double a = r->angle;

	sph(fabs(a) * DEG, a >= 0 ? 0 : M_PI, mid);
	sph(72 * DEG, (90 - a) * DEG, ring);
	if (num == 0) {
		memcpy(out, mid, sizeof(mid));
		return;
	}
	/* Fp and O rows reach the ring with their first electrode. */
	if (fabs(a) >= 72)
		f = 1.0 * ((num + 1) / 2);
	else
		f = ((num + 1) / 2) / 4.0;
	slerp(mid, ring, f, out);
	if (num % 2 == 1)
		out[0] = -out[0];
}

/* The standard spelling of row r, number num: the ring's temporal
** electrodes are T/FT/TP, not C/FC/CP. */
static void
row_name(const struct row *r, int num, char out[AR_NAME_MAX])
{
	const char *l = r->letters;

	if (num >= 7 && strcmp(l, "C") == 0)
		l = "T";
	else if (num >= 7 && strcmp(l, "FC") == 0)
		l = "FT";
	else if (num >= 7 && strcmp(l, "CP") == 0)
		l = "TP";
	if (num == 0)
		snprintf(out, AR_NAME_MAX, "%sz", l);
	else
		snprintf(out, AR_NAME_MAX, "%s%d", l, num);
}

static int
max_num(const struct row *r)
{
	return fabs(r->angle) >= 72 ? 2 : 10;
}

static int
ieq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return 0;
	return *a == *b;
}

/* Finds a standard name (exact spelling after case folding). */
static int
find(const char *name, double pos[3], char out[AR_NAME_MAX])
{
	char nm[AR_NAME_MAX];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		for (int num = 0; num <= max_num(&rows[i]); num++) {
			row_name(&rows[i], num, nm);
			if (!ieq(nm, name))
				continue;
			row_pos(&rows[i], num, pos);
			if (out != NULL)
				memcpy(out, nm, AR_NAME_MAX);
			return 0;
		}
	}
	return -1;
}

int
ar_montage_lookup(const char *label, double pos[3], char out[AR_NAME_MAX])
{
	static const char *const alias[][2] = {
		{ "T3", "T7" }, { "T4", "T8" }, { "T5", "P7" }, { "T6", "P8" },
	};
	char buf[64];
	size_t n;
	const char *s = label, *dash;

	/* "EEG Fp1-REF", "EEG Fp1-LE", "Fp1." are how recorders spell Fp1. */
	while (*s == ' ')
		s++;
	if (strncmp(s, "EEG", 3) == 0 && s[3] == ' ')
		s += 4;
	while (*s == ' ')
		s++;
	dash = strchr(s, '-');
	n = dash != NULL ? (size_t)(dash - s) : strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '.'))
		n--;
	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	for (size_t i = 0; i < sizeof(alias) / sizeof(alias[0]); i++)
		if (ieq(buf, alias[i][0]))
			snprintf(buf, sizeof(buf), "%s", alias[i][1]);
	return find(buf, pos, out);
}

int
ar_montage_standard(size_t n, char (*names)[AR_NAME_MAX], double (*pos)[3])
{
	size_t k = 0;
	char nm[AR_NAME_MAX];

	if (n < 1 || n > AR_MAX_CHANNELS)
		return -1;
	for (size_t i = 0; i < sizeof(first) / sizeof(first[0]) && k < n; i++) {
		if (find(first[i], pos[k], names[k]) != 0)
			return -1;
		k++;
	}
	for (int level = 2; level <= 3 && k < n; level++) {
		for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]) && k < n;
		     i++) {
			if (rows[i].level != level)
				continue;
			for (int num = 0; num <= max_num(&rows[i]) && k < n;
			     num++) {
				size_t j;

				row_name(&rows[i], num, nm);
				for (j = 0; j < k && !ieq(names[j], nm); j++)
					;
				if (j < k)
					continue;
				row_pos(&rows[i], num, pos[k]);
				memcpy(names[k], nm, AR_NAME_MAX);
				k++;
			}
		}
	}
	return k == n ? 0 : -1;
}
