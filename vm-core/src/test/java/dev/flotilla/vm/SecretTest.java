package dev.flotilla.vm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flotilla.vm.support.Redact;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class SecretTest {
  @Test
  void aSecretNeverShowsItselfAndIsEqualByValue() {
    Secret s = Secret.of("hunter2-" + UUID.randomUUID());
    assertThat(s).hasToString("****").isEqualTo(Secret.of(s.reveal())).doesNotHaveSameHashCodeAs(Secret.of("x"));
  }

  @Test
  void aRevealedValueIsMaskedInAnyTextAfterwardsAndAnUnrevealedOneIsNot() {
    String value = "k3y-" + UUID.randomUUID();
    String other = "other-" + UUID.randomUUID();
    Secret.of(other); // made, never revealed: nothing to mask
    String text = "GET /?q=" + value + " and " + other;
    assertThat(Secret.maskRevealed(text)).isEqualTo(text);

    Secret.of(value).reveal();

    assertThat(Secret.maskRevealed(text)).isEqualTo("GET /?q=**** and " + other);
    assertThat(Redact.secrets(text)).isEqualTo("GET /?q=**** and " + other);
  }

  @Test
  void valuesTooShortToBeSecretsAreNotMaskedEverywhere() {
    Secret.of("ab").reveal();
    assertThat(Secret.maskRevealed("tab lab")).isEqualTo("tab lab");
  }

  @Test
  void credentialsNamedInHeadersQueriesAndJsonAreMaskedWithoutBeingRevealed() {
    assertThat(Redact.secrets("X-Auth-Token: gAAAAB123\n")).isEqualTo("X-Auth-Token: ****\n");
    assertThat(Redact.secrets("a=1&signature=abc%2F&b=2")).isEqualTo("a=1&signature=****&b=2");
    assertThat(Redact.secrets("{\"password\": \"pw\"}")).isEqualTo("{\"password\": \"****\"}");
  }
}
