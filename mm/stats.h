/* SPDX-License-Identifier: MIT */
/* mm statistics: the readers behind mm_get_totals and the report lines. */
#ifndef HARTSLAB_MM_STATS_H
#define HARTSLAB_MM_STATS_H

#include "mm/mm.h"

#endif
