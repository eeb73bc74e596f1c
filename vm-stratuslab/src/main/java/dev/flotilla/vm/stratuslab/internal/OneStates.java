package dev.flotilla.vm.stratuslab.internal;

import dev.flotilla.vm.Lifecycle.State;
import java.util.Locale;

/**
 * OpenNebula's VM states as StratusLab shows them and as Flotilla's {@link State}s: when STATE is ACTIVE
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
      "PROLOG_UNDEPLOY_FAILURE"};

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

  /** The portable state. */
  public static State state(int state, int lcm) {
    switch (state) {
      case 0, 1, 2, 10:
        return State.PENDING;
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
      case 3, 4, 17, 24, 25, 26:
        return State.RUNNING;
      case 5, 6, 7, 10, 18, 27, 28, 29, 30:
        return State.STOPPING;
      case 11, 12, 13, 15, 23:
        return State.TERMINATING;
      case 16:
        return State.UNKNOWN; // the guest shut itself down; its resources are held until it is started or killed
      default:
        return State.PENDING;
    }
  }
}
