/* Leveled logging to stderr.  Results never pass through here. */
#ifndef EP_LOG_H
#define EP_LOG_H

enum ep_log_level { EP_LOG_ERROR, EP_LOG_WARN, EP_LOG_INFO, EP_LOG_DEBUG };

/* Set once by main.c after option parsing; the only process-wide knob. */
void ep_log_set_level(enum ep_log_level level);
void ep_log(enum ep_log_level level, const char *subsystem, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
