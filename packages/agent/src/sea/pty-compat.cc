// forkpty(3) and openpty(3) for the pty addon of the agent executables (scripts/build-agents.mjs
// compiles node-pty's pty.cc with -Dforkpty=meshwork_forkpty -Dopenpty=meshwork_openpty
// -Dpthread_sigmask=sigprocmask and links this file in).
//
// Why: built against Debian 12's glibc (2.36), pty.cc would need forkpty/openpty@GLIBC_2.34 and
// pthread_sigmask@GLIBC_2.32 (glibc moved them into libc.so.6), so terminals would fail on every
// system older than glibc 2.34 (Debian 11, Ubuntu 20.04, Raspberry Pi OS Bullseye) although Node
// itself needs only 2.28. These use POSIX calls that glibc has had forever, as glibc's own openpty
// and login_tty do. On Linux, sigprocmask is the calling thread's mask, as pthread_sigmask.
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#define HIDDEN __attribute__((visibility("hidden")))

extern "C" HIDDEN int meshwork_openpty(int *amaster, int *aslave, char *name, const struct termios *termp, const struct winsize *winp) {
  char path[128];
  int master = posix_openpt(O_RDWR | O_NOCTTY);
  if (master < 0) return -1;
  if (grantpt(master) < 0 || unlockpt(master) < 0 || ptsname_r(master, path, sizeof path) != 0) {
    close(master);
    return -1;
  }
  int slave = open(path, O_RDWR | O_NOCTTY);
  if (slave < 0) {
    close(master);
    return -1;
  }
  if (termp) tcsetattr(slave, TCSAFLUSH, termp);
  if (winp) ioctl(slave, TIOCSWINSZ, winp);
  *amaster = master;
  *aslave = slave;
  if (name) strcpy(name, path);
  return 0;
}

extern "C" HIDDEN pid_t meshwork_forkpty(int *amaster, char *name, const struct termios *termp, const struct winsize *winp) {
  int master, slave;
  if (meshwork_openpty(&master, &slave, name, termp, winp) < 0) return -1;
  pid_t pid = fork();
  if (pid < 0) {
    close(master);
    close(slave);
    return -1;
  }
  if (pid == 0) {
    // login_tty(3): a new session whose controlling terminal is the pty, on fds 0-2.
    close(master);
    setsid();
    if (ioctl(slave, TIOCSCTTY, 0) < 0) _exit(1);
    dup2(slave, 0);
    dup2(slave, 1);
    dup2(slave, 2);
    if (slave > 2) close(slave);
    return 0;
  }
  close(slave);
  *amaster = master;
  return pid;
}
