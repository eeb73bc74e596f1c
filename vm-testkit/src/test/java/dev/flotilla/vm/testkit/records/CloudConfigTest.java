package dev.flotilla.vm.testkit.records;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flotilla.vm.ConfigurationException;
import dev.flotilla.vm.Profile;
import dev.flotilla.vm.Secret;
import dev.flotilla.vm.store.CloudConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CloudConfigTest {
  static final String AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  private static final List<String> INSTALLED = List.of("aws", "fake", "openstack", "stratuslab");

  @TempDir
  Path dir;

  private Path write(String json) throws IOException {
    Path file = dir.resolve("cloud.json");
    Files.writeString(file, json);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    return file;
  }

  private CloudConfig load(String json) throws IOException {
    return CloudConfig.load(write(json), INSTALLED);
  }

  @Test
  void readsLeapStyleProfilesForEveryApi() throws IOException {
    CloudConfig config = load("""
        {
          "aws-prod": {
            "api": "aws", "vendor": "aws",
            "auth": {"region": "us-west-2", "aws_access_key_id": "AKIAIOSFODNN7EXAMPLE",
                     "aws_secret_access_key": "%s"},
            "default_image": "ami-98e114f8",
            "default_options": {"InstanceType": "t2.small", "EbsOptimized": true}
          },
          "canfar": {
            "api": "openstack", "vendor": "canfar",
            "auth": {"auth_url": "https://keystone.example.org:5000/v3", "username": "alice", "password": "pw-1",
                     "project_name": "astro", "user_domain_name": "Default", "project_domain_name": "Default",
                     "region_name": "RegionOne"}
          },
          "lal": {"api": "stratuslab", "vendor": "stratuslab",
                  "auth": {"endpoint": "cloud.lal.stratuslab.eu", "username": "bob", "password": "pw-2"}}
        }
        """.formatted(AWS_SECRET));

    Profile aws = config.profile("aws-prod").orElseThrow();
    assertThat(aws.api()).isEqualTo("aws");
    assertThat(aws.region()).contains("us-west-2");
    assertThat(aws.identity()).contains("AKIAIOSFODNN7EXAMPLE");
    assertThat(aws.secret().map(Secret::reveal)).contains(AWS_SECRET);
    assertThat(aws.defaultImage()).contains("ami-98e114f8");
    assertThat(aws.defaultOptions()).containsEntry("InstanceType", "t2.small").containsEntry("EbsOptimized", "true");
    Profile os = config.profile("canfar").orElseThrow();
    assertThat(os.endpoint()).contains("https://keystone.example.org:5000/v3");
    assertThat(os.region()).contains("RegionOne");
    assertThat(os.settings()).containsEntry("project_name", "astro").containsEntry("user_domain_name", "Default");
    assertThat(config.profile("lal").orElseThrow().endpoint()).contains("cloud.lal.stratuslab.eu");
    assertThat(config.profiles()).extracting(Profile::name).containsExactly("aws-prod", "canfar", "lal");
    assertThat(config.warnings()).isEmpty();
    assertThat(config.toString()).doesNotContain(AWS_SECRET).doesNotContain("pw-1").doesNotContain("pw-2");
  }

  @Test
  void profilesFromTheEnvironment() {
    CloudConfig env = CloudConfig.fromEnvironment(Map.of("AWS_ACCESS_KEY_ID", "AKIAENV", "AWS_SECRET_ACCESS_KEY",
        AWS_SECRET, "AWS_REGION", "eu-west-1", "OS_AUTH_URL", "https://k.example.org/v3", "OS_USERNAME", "alice",
        "OS_PASSWORD", "pw", "OS_PROJECT_NAME", "astro", "OS_USER_DOMAIN_NAME", "Default",
        "OS_PROJECT_DOMAIN_NAME", "Default", "OS_REGION_NAME", "RegionOne"));

    assertThat(env.profile("aws").orElseThrow().region()).contains("eu-west-1");
    Profile os = env.profile("openstack").orElseThrow();
    assertThat(os.settings()).containsEntry("project_name", "astro").containsEntry("project_domain_name", "Default");
    assertThat(os.secret().map(Secret::reveal)).contains("pw");
    assertThat(CloudConfig.fromEnvironment(Map.of("PATH", "/bin")).profiles()).isEmpty();
  }

  @Test
  void anOpenStackRcFileWithThePasswordAskedFor() throws IOException {
    Path rc = dir.resolve("astro-openrc.sh");
    Files.writeString(rc, """
        #!/usr/bin/env bash
        export OS_AUTH_URL=https://keystone.example.org:5000/v3
        export OS_PROJECT_NAME="astro"
        export OS_USER_DOMAIN_NAME="Default"
        export OS_PROJECT_DOMAIN_NAME='Default'
        export OS_USERNAME="alice"
        echo "Please enter your OpenStack Password for project $OS_PROJECT_NAME as user $OS_USERNAME: "
        read -sr OS_PASSWORD_INPUT
        export OS_PASSWORD=$OS_PASSWORD_INPUT
        export OS_REGION_NAME="RegionOne"
        export OS_IDENTITY_API_VERSION=3
        """);
    Files.setPosixFilePermissions(rc, PosixFilePermissions.fromString("rw-r--r--"));

    CloudConfig config = CloudConfig.fromOpenRc(rc, Map.of("OS_PASSWORD_INPUT", "typed-pw"));

    Profile os = config.profile("openstack").orElseThrow();
    assertThat(os.identity()).contains("alice");
    assertThat(os.secret().map(Secret::reveal)).contains("typed-pw");
    assertThat(os.settings()).containsEntry("project_name", "astro").containsEntry("identity_api_version", "3");
    assertThat(config.warnings()).as("the password came from the terminal, not the file").isEmpty();

    Files.writeString(rc, "export OS_AUTH_URL=https://k/v3\nexport OS_USERNAME=alice\nexport OS_PASSWORD=in-the-file\n");
    assertThat(CloudConfig.fromOpenRc(rc, Map.of()).warnings()).singleElement().asString().contains("chmod 600");
    Files.writeString(rc, "export OS_USERNAME=alice\n");
    assertThatThrownBy(() -> CloudConfig.fromOpenRc(rc, Map.of())).hasMessageContaining("OS_AUTH_URL")
        .hasMessageContaining("is not set");
  }

  @Test
  void warnsWhenAFileWithSecretsIsReadableByOthers() throws IOException {
    Path file = write("{\"p\": {\"api\": \"aws\", \"auth\": {\"region\": \"r\", \"aws_access_key_id\": \"a\","
        + " \"aws_secret_access_key\": \"s\"}}}");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

    assertThat(CloudConfig.load(file, INSTALLED).warnings()).singleElement().asString()
        .contains(file.toString()).contains("rw-r--r--").contains("chmod 600");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    assertThat(CloudConfig.load(file, INSTALLED).warnings()).isEmpty();
  }

  @Test
  void malformedJsonNamesFileLineAndColumn() throws IOException {
    Path file = write("{\n  \"p\": {\n    \"api\" \"aws\"\n  }\n}\n");
    assertThatThrownBy(() -> CloudConfig.load(file, INSTALLED)).isInstanceOf(ConfigurationException.class)
        .hasMessageStartingWith(file.toString()).hasMessageContaining("malformed JSON: line 3, column");
  }

  @Test
  void missingFieldsWrongTypesUnknownApisAndUnknownKeysAreNamed() throws IOException {
    assertThatThrownBy(() -> load("{\"p\": {\"vendor\": \"aws\"}}"))
        .hasMessageContaining("field 'p.api': is missing").hasMessageContaining("[aws, fake, openstack, stratuslab]");
    assertThatThrownBy(() -> load("{\"p\": {\"api\": 5}}")).hasMessageContaining("field 'p.api': must be a string, but is a number");
    assertThatThrownBy(() -> load("{\"p\": {\"api\": \"ec2\"}}"))
        .hasMessageContaining("'ec2' is not an installed provider; installed: [aws, fake, openstack, stratuslab]");
    assertThatThrownBy(() -> load("{\"p\": {\"api\": \"aws\", \"auth\": {\"aws_access_key_id\": \"a\","
        + " \"aws_secret_access_key\": \"s\"}}}")).hasMessageContaining("field 'p.auth.region': is missing");
    assertThatThrownBy(() -> load("{\"p\": {\"api\": \"aws\", \"defualt_image\": \"ami-1\"}}"))
        .hasMessageContaining("field 'p.defualt_image': is not a known key; did you mean 'p.default_image'?");
    assertThatThrownBy(() -> load("{\"p\": {\"api\": \"aws\", \"auth\": {\"region\": \"r\", \"aws_access_key_id\": \"a\","
        + " \"aws_secret_acess_key\": \"%s\"}}}".formatted(AWS_SECRET)))
        .hasMessageContaining("did you mean 'p.auth.aws_secret_access_key'?")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(AWS_SECRET));
    assertThatThrownBy(() -> load("{\"p\": {\"api\": \"aws\", \"auth\": {\"region\": \"r\", \"aws_access_key_id\": \"a\","
        + " \"aws_secret_access_key\": {\"value\": \"%s\"}}}}".formatted(AWS_SECRET)))
        .hasMessageContaining("field 'p.auth.aws_secret_access_key': must be a string, a number or true/false, but is an object")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(AWS_SECRET));
    assertThatThrownBy(() -> load("{\"s\": {\"api\": \"stratuslab\", \"auth\": {\"endpoint\": \"h\", \"username\": \"u\"}}}"))
        .hasMessageContaining("field 's.auth': needs username and password, or certificate");
    assertThat(load("{\"s\": {\"api\": \"stratuslab\", \"auth\": {\"endpoint\": \"h\", \"certificate\": \"/k.p12\","
        + " \"certificate_password\": \"x\"}}}").profile("s").orElseThrow().secretSettings()).containsKey("certificate_password");
    assertThatThrownBy(() -> load("[]")).hasMessageContaining("top level must be a JSON object");
    assertThatThrownBy(() -> load("")).hasMessageContaining("empty");
    assertThatThrownBy(() -> CloudConfig.load(dir.resolve("nope.json"), INSTALLED)).hasMessageContaining("no such file");
  }

  @Test
  void aProviderNotShippedWithFlotillaTakesTheSettingsItsFactoryDeclares() throws IOException {
    CloudConfig config = CloudConfig.load(write("{\"lab\": {\"api\": \"fake\", \"auth\": {\"boot_seconds\": 3}}}"));
    assertThat(config.profile("lab").orElseThrow().setting("boot_seconds")).contains("3");
    assertThatThrownBy(() -> CloudConfig.load(write("{\"lab\": {\"api\": \"fake\", \"auth\": {\"boot_secs\": 3}}}")))
        .hasMessageContaining("did you mean 'lab.auth.boot_seconds'?");
    assertThatThrownBy(() -> CloudConfig.load(write("{\"lab\": {\"api\": \"aws\"}}")))
        .as("only what is on the class path is installed").hasMessageContaining("installed: [fake]");
  }
}
