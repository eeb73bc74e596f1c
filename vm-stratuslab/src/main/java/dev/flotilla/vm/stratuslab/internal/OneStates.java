package dev.flotilla.vm.stratuslab.internal;

import dev.flotilla.vm.Lifecycle.State;
import java.util.Locale;

/**
 * OpenNebula's VM states (names as in oned 7.4's own OCA, checked against it by RealOpenNebulaIT) as StratusLab shows them and as Flotilla's {@link State}s: when STATE is ACTIVE
 * the LCM_STATE label, otherwise the STATE label, title-cased (Pending, Running, Unknown, Done, Failed).
 */
public final class OneStates {
  /** STATE names, by number. */
  static final String[] STATES = {"INIT", "PENDING", "HOLD", "ACTIVE", "STOPPED", "SUSPENDED", "DONE", "FAILED",
      "POWEROFF", "UNDEPLOYED", "CLONING", "CLONING_FAILURE"};

  /** LCM_STATE names, by number. */
  static final String[] LCM_STATES = {"LCM_INIT", "PROLOG", "BOOT", "RUNNING", "MIGRATE", "SAVE_STOP", "SAVE_SUSPEND",
      "SAVE_MIGRATE", "PROLOG_MIGRATE", "PROLOG_RESUME", "EPILOG_STOP", "EPILOG", "SHUTDOWN", "CANCEL", "FAILURE",
      "CLEANUP_RESUBMIT", "UNKNOWN", "HOTPLUG", "SHUTDOWN_POWEROFF", "BOOT_UNKNOWN", "BOOT_POWEROFF", "BOOT_SUSPENDED",
      "BOOT_STOPPED", "CLEANUP_DELETE", "HOTPLUG_SNAPSHOT", "HOTPLUG_NIC", "HOTPLUG_SAVEAS", "HOTPLUG_SAVEAS_POWEROFF",
      "HOTPLUG_SAVEAS_SUSPENDED", "SHUTDOWN_UNDEPLOY", "EPILOG_UNDEPLOY", "PROLOG_UNDEPLOY", "BOOT_UNDEPLOY",
      "HOTPLUG_PROLOG_POWEROFF", "HOTPLUG_EPILOG_POWEROFF", "BOOT_MIGRATE", "BOOT_FAILURE", "BOOT_MIGRATE_FAILURE",
      "PROLOG_MIGRATE_FAILURE", "PROLOG_FAILURE", "EPILOG_FAILURE", "EPILOG_STOP_FAILURE", "EPILOG_UNDEPLOY_FAILURE",
      "PROLOG_MIGRATE_POWEROFF", "PROLOG_MIGRATE_POWEROFF_FAILURE", "PROLOG_MIGRATE_SUSPEND",
      "PROLOG_MIGRATE_SUSPEND_FAILURE", "BOOT_UNDEPLOY_FAILURE", "BOOT_STOPPED_FAILURE", "PROLOG_RESUME_FAILURE",
      "PROLOG_UNDEPLOY_FAILURE", "DISK_SNAPSHOT_POWEROFF", "DISK_SNAPSHOT_REVERT_POWEROFF",
      "DISK_SNAPSHOT_DELETE_POWEROFF", "DISK_SNAPSHOT_SUSPENDED", "DISK_SNAPSHOT_REVERT_SUSPENDED",
      "DISK_SNAPSHOT_DELETE_SUSPENDED", "DISK_SNAPSHOT", "DISK_SNAPSHOT_REVERT", "DISK_SNAPSHOT_DELETE",
      "PROLOG_MIGRATE_UNKNOWN", "PROLOG_MIGRATE_UNKNOWN_FAILURE", "DISK_RESIZE", "DISK_RESIZE_POWEROFF",
      "DISK_RESIZE_UNDEPLOYED", "HOTPLUG_NIC_POWEROFF", "HOTPLUG_RESIZE", "HOTPLUG_SAVEAS_UNDEPLOYED",
      "HOTPLUG_SAVEAS_STOPPED", "BACKUP", "BACKUP_POWEROFF", "RESTORE"};

  /** The LCM state in which the VM is being snapshotted. */
  public static final int HOTPLUG_SNAPSHOT = 24;

  private OneStates() {}

  /** The label StratusLab shows, such as {@code Running}, {@code Pending}, {@code Done} or {@code Failed}. */
  public static String label(int state, int lcm) {
    String name = state == 3 ? name(LCM_STATES, lcm, "LCM") : name(STATES, state, "STATE");
    return name.charAt(0) + name.substring(1).toLowerCase(Locale.ROOT);
  }

  private static String name(String[] names, int n, String what) {
    return n >= 0 && n < names.length ? names[n] : what + "_" + n;
  }

  /** STATE names, by number, as oned's own OCA lists them. */
  public static java.util.List<String> stateNames() {
    return java.util.List.of(STATES);
  }

  /** LCM_STATE names, by number, as oned's own OCA lists them. */
  public static java.util.List<String> lcmStateNames() {
    return java.util.List.of(LCM_STATES);
  }

  /**
   * Whether the LCM state called {@code name} is one oned leaves by itself (a snapshot, a hotplug, a boot):
   * an action refused in it may succeed a moment later.
   */
  public static boolean busy(String name) {
    int lcm = java.util.List.of(LCM_STATES).indexOf(name);
    return lcm > 0 && lcm != 3 && lcm != 16 && !name.contains("FAILURE");
  }

  /** The portable state. */
  public static State state(int state, int lcm) {
    switch (state) {
      case 0, 1, 10:
        return State.PENDING;
      case 2: // HOLD: made but not scheduled until released, as a create without start leaves it
        return State.STOPPED;
      case 3:
        return active(lcm);
      case 4, 8, 9:
        return State.STOPPED;
      case 5:
        return State.SUSPENDED;
      case 6:
        return State.TERMINATED;
      case 7, 11:
        return State.ERROR;
      default:
        return State.UNKNOWN;
    }
  }

  private static State active(int lcm) {
    String name = name(LCM_STATES, lcm, "LCM");
    if (name.contains("FAILURE")) {
      return State.ERROR;
    }
    switch (lcm) {
      case 3, 4, 17, 24, 25, 26, 57, 58, 59, 62, 66, 69:
        return State.RUNNING; // running, while oned migrates, snapshots, hotplugs, resizes or backs it up
      case 5, 6, 7, 10, 18, 27, 28, 29, 30:
        return State.STOPPING;
      case 33, 34, 43, 45, 51, 52, 53, 63, 64, 65, 67, 68, 70, 71:
        return State.STOPPING; // an operation on a stopped VM: it ends stopped again
      case 54, 55, 56:
        return State.SUSPENDED; // a disk snapshot of a suspended VM
      case 11, 12, 13, 15, 23:
        return State.TERMINATING;
      case 16:
        return State.UNKNOWN; // the guest shut itself down; its resources are held until it is started or killed
      default:
        return State.PENDING; // LCM_INIT, PROLOG, BOOT and the BOOT_* and PROLOG_* of a start or a move
    }
  }
}
