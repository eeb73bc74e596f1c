package dev.flotilla.vm.stratuslab.internal;

import dev.flotilla.vm.CloudException;
import dev.flotilla.vm.CloudException.Kind;
import java.util.Locale;

/**
 * OpenNebula's error codes, classified as a real {@code oned} (7.4) uses them: template and allocation
 * errors come as INTERNAL, quota limits as AUTHORIZATION or ALLOCATE with "quota" in the message, and
 * XML-RPC faults (an unknown method, a wrong parameter type) as negative codes.
 */
public final class OneErrors {
  /** The user could not be authenticated. */
  public static final int AUTHENTICATION = 0x0100;
  /** The user may not do that (also: a quota is exhausted). */
  public static final int AUTHORIZATION = 0x0200;
  /** The object does not exist. */
  public static final int NO_EXISTS = 0x0400;
  /** The action is not allowed in the object's state. */
  public static final int ACTION = 0x0800;
  /** A bad call: wrong parameters. */
  public static final int XML_RPC_API = 0x1000;
  /** What oned answers when a template cannot be used (unknown disk type, no such image or network). */
  public static final int INTERNAL = 0x2000;
  /** The object could not be allocated (a name taken, a quota). */
  public static final int ALLOCATE = 0x4000;
  /** The object is locked. */
  public static final int LOCKED = 0x8000;
  /** The XML-RPC fault code of a method the server does not have. */
  public static final int NO_SUCH_METHOD = -506;

  private OneErrors() {}

  /** A classified exception for OpenNebula error {@code code} answered to {@code method}. */
  public static CloudException classify(String api, String method, int code, String message) {
    String text = message == null ? "" : message.replaceFirst("^\\[" + java.util.regex.Pattern.quote(method) + "\\]\\s*", "");
    String lower = text.toLowerCase(Locale.ROOT);
    Kind kind;
    java.util.regex.Matcher state = java.util.regex.Pattern.compile("state ([A-Z_]+)").matcher(text);
    if (lower.contains("quota") || lower.contains("ip/mac lease")) {
      kind = Kind.CAPACITY;
    } else if (code == ACTION && state.find() && OneStates.busy(state.group(1))) {
      kind = Kind.TRANSIENT; // "wrong state HOTPLUG_SNAPSHOT": the VM is busy for a moment, not in the wrong state
    } else {
      kind = switch (code) {
        case AUTHENTICATION, AUTHORIZATION -> Kind.AUTHENTICATION;
        case NO_EXISTS -> Kind.NOT_FOUND;
        case ACTION, XML_RPC_API, INTERNAL, ALLOCATE -> Kind.INVALID_REQUEST;
        case LOCKED -> Kind.TRANSIENT;
        default -> Kind.UNKNOWN;
      };
    }
    String codeText = code == -1 ? null : code < 0 ? "fault " + code : "0x" + Integer.toHexString(code);
    return new CloudException(kind, api, codeText, method + ": " + text.trim() + hint(lower));
  }

  /** What to do about a template oned refused, in the vm command's words. */
  private static String hint(String lower) {
    if (lower.contains("image with") || lower.contains("an image with name")) {
      return "; 'vm images' lists the images you may use";
    }
    if (lower.contains("network with") || lower.contains("a network with name")) {
      return "; set the profile's network to a virtual network's name or id, or to none";
    }
    return "";
  }

  /** Whether {@code e} says the server has no such method (an older OpenNebula). */
  public static boolean noSuchMethod(CloudException e) {
    return ("fault " + NO_SUCH_METHOD).equals(e.code().orElse(null));
  }
}
