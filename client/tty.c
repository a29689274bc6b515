/* tty: the interactive client on GNU readline's callback interface.
 *
 * Why readline and not libedit: its alternate (callback) interface,
 * rl_callback_handler_install() / rl_callback_read_char(), lets our epoll
 * loop own standard input next to the socket, and its redisplay hooks
 * (rl_clear_visible_line, rl_forced_update_display, rl_resize_terminal,
 * rl_callback_sigcleanup) are complete and documented. Printing a message
 * above a half-typed line needs exactly those; libedit's readline emulation
 * lacks or stubs several of them.
 *
 * Readline catches no signals here. Ctrl-C and Ctrl-Z are plain keys while
 * readline owns the terminal (ISIG off), so they act in order with what is
 * typed around them; SIGWINCH, SIGTERM, SIGHUP and signals sent with kill
 * arrive as loop events (signalfd). Every terminal change thus happens at a
 * known point in the loop, and the terminal is restored on every exit path. */
#include "tty.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <unistd.h>

#include <readline/readline.h>

#include "loop/signal.h"
#include "options.h"
#include "session.h"
#include "tty_private.h"
#include "util/alloc.h"
#include "util/list.h"

enum { GOODBYE_MS = 2000 };

/* Readline's callbacks (line handler, key functions, completion) carry no
 * user pointer, so the one interactive session is reachable from here. It
 * is set only while tty_run() runs. */
static struct tty *active;

/* ---- output above the prompt ---- */

/* Everything shown during one loop iteration is written at once, before
 * the loop sleeps: a burst of messages costs one clear-and-redraw of the
 * input line, not one per message. */
void tty_show(struct tty *t, const char *text, size_t len)
{
	buf_append(&t->pending, text, len);
}

static void flush_shown(struct tty *t)
{
	if (buf_len(&t->pending) == 0)
		return;
	/* Inside the line handler the accepted line has already been left (or
	 * erased) and readline draws the next prompt itself afterwards. */
	bool redraw = t->readline_on && t->shared_screen && !t->in_line_handler;
	if (redraw)
		rl_clear_visible_line();
	fwrite(buf_head(&t->pending), 1, buf_len(&t->pending), stdout);
	fflush(stdout);
	buf_release(&t->pending);
	if (redraw)
		rl_forced_update_display();
}

static void before_sleep(void *data)
{
	flush_shown(data);
}

void tty_notice(struct tty *t, const char *text)
{
	tty_stamp(t);
	render_notice(&t->style, text, &t->scratch);
	tty_show(t, buf_head(&t->scratch), buf_len(&t->scratch));
	buf_consume(&t->scratch, buf_len(&t->scratch));
}

void tty_error(struct tty *t, const char *text)
{
	tty_stamp(t);
	render_error(&t->style, text, &t->scratch);
	tty_show(t, buf_head(&t->scratch), buf_len(&t->scratch));
	buf_consume(&t->scratch, buf_len(&t->scratch));
}

void tty_update_prompt(struct tty *t)
{
	if (t->chat.room[0])
		snprintf(t->prompt, sizeof(t->prompt), "%s> ", t->chat.room);
	else
		snprintf(t->prompt, sizeof(t->prompt), "> ");
	if (t->readline_on && !t->accepted)
		rl_set_prompt(t->prompt);
}

/* ---- readline glue ---- */

static void on_line(char *line)
{
	struct tty *t = active;
	if (!line) { /* Ctrl-D on an empty line, or the terminal went away */
		tty_leave(t);
		return;
	}
	t->in_line_handler = true;
	const char *text = t->accepted ? t->accepted : line;
	tty_input_line(t, text, strlen(text));
	t->in_line_handler = false;
	free(t->accepted);
	t->accepted = NULL;
	if (t->readline_on)
		rl_set_prompt(t->prompt);
	free(line);
}

/* Enter in chat and frame mode: wipe the typed line (prompt included)
 * before accepting it, because the server echoes every message back (a
 * ROOM line, or the frame itself) and the screen should show each message
 * once, in order. A relay sends nothing back, so there the line stays. */
static int accept_erasing(int count, int key)
{
	struct tty *t = active;
	free(t->accepted);
	t->accepted = xstrndup(rl_line_buffer, (size_t)rl_end);
	rl_set_prompt("");
	rl_replace_line("", 0);
	rl_point = 0;
	rl_redisplay();
	return rl_newline(count, key);
}

static void bind_accept(rl_command_func_t *fn)
{
	Keymap maps[] = {emacs_standard_keymap, vi_insertion_keymap, vi_movement_keymap};
	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		rl_bind_key_in_map('\r', fn, maps[i]);
		rl_bind_key_in_map('\n', fn, maps[i]);
	}
}

/* Readline's generator protocol: called with state 0, then again until it
 * returns NULL; the position between calls has to live somewhere. */
static char *command_generator(const char *text, int state)
{
	static size_t next;
	const char *const *cmds = tty_input_commands(active);
	if (state == 0)
		next = 0;
	size_t n = strlen(text);
	while (cmds[next]) {
		const char *c = cmds[next++];
		if (strncasecmp(c, text, n) == 0)
			return xstrndup(c, strlen(c));
	}
	return NULL;
}

static char **complete(const char *text, int start, int end)
{
	(void)end;
	rl_attempted_completion_over = 1; /* never fall back to file names */
	if (start != 0 || text[0] != '/')
		return NULL;
	return rl_completion_matches(text, command_generator);
}

/* Ctrl-C and Ctrl-Z are keys, not signals, while readline owns the
 * terminal (see prep_terminal): a signal travels apart from the keystrokes
 * typed after it and could be acted on after them. Both only set a flag;
 * the action happens once readline has finished with the key. */
static int ctrl_c_key(int count, int key)
{
	(void)count;
	(void)key;
	if (rl_end == 0) {
		active->want_leave = true; /* Ctrl-C on an empty line leaves */
		return 0;
	}
	rl_replace_line("", 0); /* discard the line; Ctrl-_ brings it back */
	rl_point = 0;
	return 0;
}

static int ctrl_z_key(int count, int key)
{
	(void)count;
	(void)key;
	active->want_suspend = true;
	return 0;
}

static void bind_control_keys(void)
{
	Keymap maps[] = {emacs_standard_keymap, vi_insertion_keymap, vi_movement_keymap};
	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		rl_bind_key_in_map(CTRL('C'), ctrl_c_key, maps[i]);
		rl_bind_key_in_map(CTRL('Z'), ctrl_z_key, maps[i]);
	}
}

static void suspend(struct tty *t);

static void on_stdin(void *data, int fd, unsigned events)
{
	struct tty *t = data;
	(void)fd;
	(void)events;
	rl_callback_read_char();
	if (t->want_suspend) {
		t->want_suspend = false;
		suspend(t);
	}
	if (t->want_leave) {
		t->want_leave = false;
		tty_leave(t);
	}
}

/* Readline's terminal mode, minus ISIG: the interrupt and suspend
 * characters reach readline as keys, in order with the rest. Readline's
 * deprep restores the modes it saved, ISIG included. */
static void prep_terminal(int meta_flag)
{
	struct termios tio;
	rl_prep_terminal(meta_flag);
	if (tcgetattr(0, &tio) == 0 && (tio.c_lflag & ISIG)) {
		tio.c_lflag &= ~(tcflag_t)ISIG;
		tcsetattr(0, TCSADRAIN, &tio);
	}
}

/* Readline deprepares the terminal after every accepted line in callback
 * mode and prepares it again for the next prompt. Keys typed in between
 * would meet a canonical, echoing terminal (a quick Ctrl-D becomes a real
 * EOF), so the terminal stays prepared for the whole session instead and
 * stop_readline() restores it once. */
static void keep_terminal_prepped(void)
{
}

static void start_readline(struct tty *t)
{
	rl_readline_name = "parley"; /* for $if parley in ~/.inputrc */
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	rl_change_environment = 0;
	rl_instream = stdin;
	rl_outstream = t->shared_screen ? stdout : stderr;
	rl_attempted_completion_function = complete;
	rl_prep_term_function = prep_terminal;
	rl_deprep_term_function = keep_terminal_prepped;
	rl_initialize(); /* reads ~/.inputrc; our settings below win */
	/* Each pasted line is sent on its own, as in filter mode; bracketed
	 * paste would also print a stray newline when the terminal is given
	 * back after Ctrl-D. */
	rl_variable_bind("enable-bracketed-paste", "off");
	rl_callback_handler_install(t->prompt, on_line);
	bind_control_keys();
	if (t->pretty || t->opt->proto == PROTO_FRAME)
		bind_accept(accept_erasing);
	t->readline_on = true;
	loop_watch(t->loop, 0, LOOP_READ, on_stdin, t);
}

/* Takes the prompt off the screen and gives the terminal back. */
static void stop_readline(struct tty *t)
{
	if (!t->readline_on)
		return;
	loop_unwatch(t->loop, 0);
	flush_shown(t);
	if (!t->in_line_handler)
		rl_clear_visible_line();
	rl_callback_handler_remove();
	rl_deprep_terminal();
	fflush(rl_outstream);
	t->readline_on = false;
}

/* An exit() from anywhere still leaves the terminal usable. (abort(), as on
 * an allocation failure, runs no handlers; nothing can restore it then.) */
static void restore_at_exit(void)
{
	if (active && active->readline_on) {
		rl_callback_handler_remove();
		rl_deprep_terminal();
	}
}

/* ---- leaving ---- */

static void on_goodbye_timeout(struct loop_timer *timer)
{
	struct tty *t = container_of(timer, struct tty, goodbye);
	session_close(t->s, false);
}

void tty_leave(struct tty *t)
{
	if (t->leaving) {
		session_close(t->s, false);
		return;
	}
	t->leaving = true;
	stop_readline(t);
	if (tty_link_abandon(t)) {
		/* Between connections: nothing to say goodbye to. */
		t->status = 0;
		loop_stop(t->loop);
		return;
	}
	if (t->opt->proto == PROTO_CHAT && session_open(t->s)) {
		session_send_line(t->s, "QUIT", 4);
		loop_timer_arm(t->loop, &t->goodbye, GOODBYE_MS);
	} else {
		session_close(t->s, true);
	}
}

/* ---- signals ---- */

/* SIGINT sent from outside (the Ctrl-C key is handled by ctrl_c_key) acts
 * like the key: discard the line being typed, or leave on an empty one. */
static void interrupt(struct tty *t)
{
	if (!t->readline_on || (rl_end == 0 && !RL_ISSTATE(RL_STATE_ISEARCH))) {
		tty_leave(t);
		return;
	}
	rl_callback_sigcleanup();
	rl_replace_line("", 0);
	rl_point = 0;
	rl_clear_visible_line();
	rl_forced_update_display();
}

/* Ctrl-Z: give the terminal back, stop, and take it again on resume. */
static void suspend(struct tty *t)
{
	if (t->readline_on) {
		rl_clear_visible_line();
		fflush(rl_outstream);
		rl_deprep_terminal();
	}
	kill(getpid(), SIGSTOP);
	if (t->readline_on) {
		prep_terminal(1);
		rl_forced_update_display();
	}
}

/* Continued after a stop we did not arrange: the shell may have reset the
 * terminal modes, so set ours again and redraw in place. */
static void resumed(struct tty *t)
{
	if (!t->readline_on)
		return;
	rl_deprep_terminal();
	prep_terminal(1);
	rl_clear_visible_line();
	rl_forced_update_display();
}

static void on_signal(void *data, int signo)
{
	struct tty *t = data;
	switch (signo) {
	case SIGWINCH:
		if (t->readline_on)
			rl_resize_terminal();
		break;
	case SIGINT:
		interrupt(t);
		break;
	case SIGTSTP:
		suspend(t);
		break;
	case SIGCONT:
		resumed(t);
		break;
	default: /* SIGTERM, SIGHUP, SIGQUIT */
		if (!t->signo)
			t->signo = signo;
		tty_leave(t);
		break;
	}
}

/* ---- run ---- */

static void init_style(struct tty *t)
{
	const char *term = getenv("TERM");
	bool screen = isatty(1);
	t->shared_screen = screen;
	t->style.terminal = screen;
	t->style.color = screen && !t->opt->no_color && !(term && strcmp(term, "dumb") == 0);
	t->style.timestamps = !t->opt->no_timestamps;
	t->pretty = !t->opt->raw && t->opt->proto == PROTO_CHAT;
	tty_update_prompt(t);
	loop_timer_init(&t->goodbye, on_goodbye_timeout);
}

static void banner(struct tty *t)
{
	char text[ADDR_HOST_MAX + 96];
	snprintf(text, sizeof(text), "connected to %s port %u (%s); /help lists commands",
		 t->opt->host, t->opt->port, proto_name(t->opt->proto));
	tty_notice(t, text);
	if (t->opt->proto == PROTO_CHAT && !t->opt->user[0])
		tty_notice(t, "choose a name with /nick NAME, then /join #room");
}

static bool setup(struct tty *t, int fd)
{
	static const int signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH, SIGTSTP, SIGCONT};
	tty_link_init(t);
	t->sigs = loop_signals_open(t->loop, signals, (int)(sizeof(signals) / sizeof(signals[0])),
				    on_signal, t);
	loop_add_hook(t->loop, before_sleep, t);
	banner(t);
	if (!tty_link_start(t, fd)) {
		snprintf(t->reason, sizeof(t->reason), "cannot watch the connection");
		return false;
	}
	return true;
}

int tty_run(struct loop *loop, const struct options *opt, int fd)
{
	static bool atexit_done;
	struct tty t = {.loop = loop, .opt = opt};
	init_style(&t);
	active = &t;
	if (!atexit_done && atexit(restore_at_exit) == 0)
		atexit_done = true;
	t.status = 1;
	if (setup(&t, fd)) {
		t.status = 0;
		start_readline(&t);
		int rc = loop_run(loop);
		if (rc < 0 && t.status == 0) {
			t.status = 1;
			snprintf(t.reason, sizeof(t.reason), "event loop failed: %s", strerror(-rc));
		}
	}
	stop_readline(&t);
	flush_shown(&t);
	loop_timer_disarm(loop, &t.goodbye);
	tty_link_release(&t);
	loop_signals_close(t.sigs);
	buf_release(&t.scratch);
	buf_release(&t.pending);
	free(t.accepted);
	active = NULL;
	if (t.status != 0 && t.reason[0])
		fprintf(stderr, "parley: %s\n", t.reason);
	return t.signo ? 128 + t.signo : t.status;
}
