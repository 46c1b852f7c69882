/* report.c - aggregation for analysts` reports (being written). */
#include "status.h"
