package dev.flotilla.vm.spi;

import dev.flotilla.vm.Profile;
import java.util.Map;

/**
 * The entry point of a provider module, found with {@link java.util.ServiceLoader}: list the class in
 * {@code META-INF/services/dev.flotilla.vm.spi.ProviderFactory}. One factory per api id; profiles name
 * the id in their {@code api} field.
 */
public interface ProviderFactory {
  /** The api id profiles use to pick this provider, such as {@code aws}. Lower case, unique. */
  String id();

  /** One line for people, such as "Amazon EC2 and EC2-compatible clouds (jclouds aws-ec2)". */
  String description();

  /**
   * The profile settings this provider reads, each with a line saying what it is for, so tools can
   * check a profile and say which keys are known (like JDBC's {@code getPropertyInfo}).
   */
  default Map<String, String> settings() {
    return Map.of();
  }

  /**
   * Opens a provider for one cloud account. Must not reach the network: connections are made on the
   * first call, so that building a client stays cheap.
   *
   * @throws dev.flotilla.vm.ConfigurationException when the profile lacks what this provider needs
   */
  Provider open(Profile profile);
}
