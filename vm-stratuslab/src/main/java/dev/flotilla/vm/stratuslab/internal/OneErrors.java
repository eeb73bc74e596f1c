package dev.flotilla.vm.stratuslab.internal;

import dev.flotilla.vm.CloudException;
import dev.flotilla.vm.CloudException.Kind;

/** OpenNebula's error codes, classified. */
public final class OneErrors {
  /** The user could not be authenticated. */
  public static final int AUTHENTICATION = 0x0100;
  /** The user may not do that. */
  public static final int AUTHORIZATION = 0x0200;
  /** The object does not exist. */
  public static final int NO_EXISTS = 0x0400;
  /** The action is not allowed in the object's state. */
  public static final int ACTION = 0x0800;
  /** A bad call: wrong parameters. */
  public static final int XML_RPC_API = 0x1000;
  /** A fault inside OpenNebula. */
  public static final int INTERNAL = 0x2000;
  /** The object could not be allocated (template error, quota, no capacity). */
  public static final int ALLOCATE = 0x4000;
  /** The object is locked. */
  public static final int LOCKED = 0x8000;

  private OneErrors() {}

  /** A classified exception for OpenNebula error {@code code} answered to {@code method}. */
  public static CloudException classify(String api, String method, int code, String message) {
    Kind kind = switch (code) {
      case AUTHENTICATION, AUTHORIZATION -> Kind.AUTHENTICATION;
      case NO_EXISTS -> Kind.NOT_FOUND;
      case ACTION, XML_RPC_API -> Kind.INVALID_REQUEST;
      case INTERNAL, LOCKED -> Kind.TRANSIENT;
      case ALLOCATE -> message != null && message.toLowerCase(java.util.Locale.ROOT).contains("quota")
          ? Kind.CAPACITY : Kind.INVALID_REQUEST;
      default -> Kind.UNKNOWN;
    };
    return new CloudException(kind, api, code < 0 ? null : "0x" + Integer.toHexString(code), method + ": " + message);
  }
}
