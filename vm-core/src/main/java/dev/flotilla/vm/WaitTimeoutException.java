package dev.flotilla.vm;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** A wait that reached its deadline first. It states what was awaited, what was last seen, and for how long. */
public class WaitTimeoutException extends VmException {
  private static final long serialVersionUID = 1L;

  private final String target;
  private final transient Map<String, String> lastSeen;
  private final Duration elapsed;

  /**
   * @param target what was awaited, such as {@code RUNNING} or {@code snapshot READY}
   * @param lastSeen for each thing (VM id, snapshot id) not there yet, what it was last seen as
   * @param elapsed how long the wait lasted
   */
  public WaitTimeoutException(String target, Map<String, String> lastSeen, Duration elapsed) {
    super("Timed out after " + elapsed.toMillis() + " ms waiting for " + lastSeen.size() + " to be " + target
        + "; last seen: " + abbreviate(lastSeen) + ". Look with 'vm status'; what was asked goes on in the cloud"
        + " [in code: VmClient.status; wait longer with a WaitPolicy of a longer timeout].");
    this.target = target;
    this.lastSeen = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(lastSeen));
    this.elapsed = elapsed;
  }

  private static String abbreviate(Map<String, String> seen) {
    StringBuilder sb = new StringBuilder("{");
    int shown = 0;
    for (Map.Entry<String, String> e : seen.entrySet()) {
      if (shown == 10) {
        sb.append(", ... ").append(seen.size() - 10).append(" more");
        break;
      }
      sb.append(shown++ > 0 ? ", " : "").append(e.getKey()).append('=').append(e.getValue());
    }
    return sb.append('}').toString();
  }

  /** What was awaited, such as {@code RUNNING}. */
  public String target() {
    return target;
  }

  /** For each thing not there yet, what it was last seen as. */
  public Map<String, String> lastSeen() {
    return lastSeen;
  }

  /** How long the wait lasted. */
  public Duration elapsed() {
    return elapsed;
  }
}
