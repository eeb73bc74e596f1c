package dev.flotilla.vm.openstack.internal;

import dev.flotilla.vm.Lifecycle.State;
import java.util.Locale;

/**
 * Nova's server status, and the task it is busy with, as a {@link State}. A server Nova still shows as
 * ACTIVE while it powers off is already STOPPING, so a wait for STOPPED is not fooled by the old status.
 */
public final class NovaStates {
  private NovaStates() {}

  /** The state of a server whose status is {@code status} and task state {@code task} (may be null). */
  public static State state(String status, String task) {
    String s = status == null ? "" : status.toUpperCase(Locale.ROOT);
    String t = task == null ? "" : task.toLowerCase(Locale.ROOT);
    if (t.equals("deleting") || t.equals("soft-deleting")) {
      return State.TERMINATING;
    }
    return switch (s) {
      case "BUILD", "REBUILD", "RESIZE", "REVERT_RESIZE", "MIGRATING", "PASSWORD" -> State.PENDING;
      case "ACTIVE", "VERIFY_RESIZE" -> switch (t) {
        case "powering-off", "shelving", "suspending", "pausing" -> State.STOPPING;
        case "rebooting", "reboot_pending", "reboot_started", "rebooting_hard", "reboot_pending_hard",
            "reboot_started_hard" -> State.REBOOTING;
        default -> State.RUNNING;
      };
      case "SHUTOFF", "STOPPED" -> t.equals("powering-on") ? State.PENDING : State.STOPPED;
      case "REBOOT", "HARD_REBOOT" -> State.REBOOTING;
      case "SUSPENDED", "PAUSED", "SHELVED", "SHELVED_OFFLOADED" -> t.isEmpty() ? State.SUSPENDED : State.PENDING;
      case "ERROR" -> State.ERROR;
      case "DELETED", "SOFT_DELETED" -> State.TERMINATED;
      default -> State.UNKNOWN;
    };
  }

  /** Nova's words for people: {@code ACTIVE}, or {@code ACTIVE (powering-off)} while a task runs. */
  public static String label(String status, String task) {
    return (status == null ? "UNKNOWN" : status) + (task == null || task.isEmpty() ? "" : " (" + task + ")");
  }
}
