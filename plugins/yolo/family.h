/*
** family.h - a YOLO family YAML (ultralytics' model vocabulary): the
** scales' multiples and the layer table, read and checked, never built.
*/
#ifndef DYNO_YOLO_FAMILY_H
#define DYNO_YOLO_FAMILY_H

#include <stddef.h>

#define YOLO_MAXFROM 8
#define YOLO_MAXSCALES 16
#define YOLO_MAXLAYERS 256
/* A layer's from that means the image. */
#define YOLO_INPUT (-1)

enum yolo_module {
	YOLO_CONV,	/* [c2, k, s]: conv + BN + SiLU */
	YOLO_C2F,	/* [c2, shortcut] */
	YOLO_SPPF,	/* [c2, k] */
	YOLO_UPSAMPLE,	/* nn.Upsample [None, 2, "nearest"] */
	YOLO_CONCAT,	/* [1]: along channels */
	YOLO_DETECT	/* [nc]: the raw head */
};

struct yolo_layer {
	int		 from[YOLO_MAXFROM];	/* absolute, or YOLO_INPUT */
	int		 nfrom;
	int		 repeats;		/* as written */
	enum yolo_module module;
	int		 c2;			/* Conv, C2f, SPPF */
	int		 k, s;			/* Conv, SPPF (k) */
	int		 shortcut;		/* C2f */
	int		 line;			/* in the file, for messages */
};

struct yolo_scale {
	char	name[16];
	double	depth, width;
	int	max_channels;
};

struct yolo_family {
	char			 path[256];	/* for messages */
	int			 nc, reg_max;
	struct yolo_scale	 scales[YOLO_MAXSCALES];
	int			 nscales;
	char			 scale[16];	/* the file's `scale`, or "" */
	struct yolo_layer	 layers[YOLO_MAXLAYERS];
	int			 nlayers;
};

/* TEXT (LEN bytes) as a family named NAME; on error -1 and one line. */
int	yolo_family_parse(const char *text, size_t len, const char *name,
	    struct yolo_family *, char *err, size_t errlen);
int	yolo_family_load(const char *path, struct yolo_family *, char *err,
	    size_t errlen);
const struct yolo_scale *yolo_family_scale(const struct yolo_family *,
	    const char *name);
const char *yolo_module_name(enum yolo_module);

/*
** MODEL as the probe's parameter gives it: "yolov8n" (scale n of
** DIR/yolov8.yaml) or the path of a family YAML with a `scale`.  Loads
** the family into F and points *SCALE at the scale chosen.
*/
int	yolo_family_open(const char *model, const char *dir,
	    struct yolo_family *f, const struct yolo_scale **scale,
	    char *err, size_t errlen);

#endif
