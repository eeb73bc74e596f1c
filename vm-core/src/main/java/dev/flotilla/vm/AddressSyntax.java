package dev.flotilla.vm;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What a VM's address may be: an IPv4 literal, an IPv6 literal, or an RFC 1123 host name. A cloud's answer
 * or a record is untrusted, and an address is handed to ssh; anything else (a leading '-', a space, a
 * shell character) is refused where it enters, so it can never become an option or a word of a command.
 */
final class AddressSyntax {
  private static final Pattern IPV4 = Pattern.compile(
      "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
  private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.]{2,45}");

  private AddressSyntax() {}

  /** Why {@code address} is not an IP literal or a host name; empty when it is one. */
  static Optional<String> problem(String address) {
    if (address == null || address.isEmpty()) {
      return Optional.of("it is empty");
    }
    if (IPV4.matcher(address).matches()) {
      return Optional.empty();
    }
    if (address.indexOf(':') >= 0) {
      return ipv6(address) ? Optional.empty() : Optional.of("it is not a valid IPv6 address");
    }
    if (address.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'))) {
      return Optional.of("it is not a valid IPv4 address");
    }
    return HostNames.problem(address).map(p -> "it is neither an IP address nor a host name: " + p);
  }

  /** Whether {@code address} is an address (see {@link #problem}). */
  static boolean valid(String address) {
    return problem(address).isEmpty();
  }

  private static boolean ipv6(String s) {
    if (!IPV6_CHARS.matcher(s).matches()) {
      return false;
    }
    try {
      // a literal with ':' is parsed, never looked up
      return java.net.InetAddress.getByName(s) instanceof java.net.Inet6Address;
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }
}
