/* The version onaird and onairctl report. */
#define ONAIR_VERSION "0.1.0"
