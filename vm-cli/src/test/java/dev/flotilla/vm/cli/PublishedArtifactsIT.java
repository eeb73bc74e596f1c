package dev.flotilla.vm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * What a project outside this build gets: every published module is in the BOM at the build's version, and
 * its jars (classes, sources, Javadoc) are what a repository manager and the module system expect. Runs after
 * every module is packaged (vm-cli depends on all of them).
 */
class PublishedArtifactsIT {
  private static final Path ROOT = Path.of(System.getProperty("flotilla.root", "..")).toAbsolutePath().normalize();

  @Test
  void theBomListsEveryPublishedModuleAtTheBuildsVersionAndNothingElse() throws Exception {
    Element parent = pom(ROOT.resolve("pom.xml"));
    Element bom = pom(ROOT.resolve("vm-bom/pom.xml"));
    assertThat(text(bom, "version")).as("vm-bom/pom.xml's version").isEqualTo(text(parent, "version"));
    List<String> listed = new ArrayList<>();
    for (Element d : children(child(child(bom, "dependencyManagement"), "dependencies"), "dependency")) {
      assertThat(text(d, "groupId")).isEqualTo("dev.flotilla");
      assertThat(text(d, "version")).isEqualTo("${project.version}");
      listed.add(text(d, "artifactId"));
    }
    assertThat(listed).as("the modules vm-bom/pom.xml lists").containsExactlyInAnyOrderElementsOf(published());
    for (Element pom : List.of(parent, bom)) {
      for (String field : List.of("name", "description", "url")) {
        assertThat(text(pom, field)).as(field).isNotBlank();
      }
      assertThat(text(child(child(pom, "licenses"), "license"), "name")).isEqualTo("Apache-2.0");
      assertThat(text(child(pom, "scm"), "url")).startsWith("https://");
      assertThat(children(child(pom, "developers"), "developer")).isNotEmpty();
    }
    assertThat(ROOT.resolve("LICENSE")).content().contains("Apache License", "Version 2.0");
  }

  @Test
  void everyPublishedModuleHasItsModuleNameSourcesAndJavadocWithoutInternalPackages() throws Exception {
    Map<String, String> moduleOfPackage = new HashMap<>();
    for (String module : published()) {
      Element pom = pom(ROOT.resolve(module).resolve("pom.xml"));
      assertThat(text(pom, "name")).as(module + " name").isNotBlank();
      assertThat(text(pom, "description")).as(module + " description").isNotBlank();
      String expectedName = text(child(pom, "properties"), "module.name");
      Path target = ROOT.resolve(module).resolve("target");
      String base = module + "-" + text(pom(ROOT.resolve("pom.xml")), "version");
      Path jar = target.resolve(base + ".jar");

      ModuleDescriptor descriptor = ModuleFinder.of(jar).findAll().iterator().next().descriptor();
      assertThat(descriptor.name()).as(jar + " module name").isEqualTo(expectedName);
      assertThat(descriptor.isAutomatic()).isTrue();
      try (JarFile j = new JarFile(jar.toFile())) {
        assertThat(j.getManifest().getMainAttributes().getValue("Automatic-Module-Name")).isEqualTo(expectedName);
      }
      for (String pkg : descriptor.packages()) {
        String other = moduleOfPackage.put(pkg, module);
        assertThat(other).as("package %s is split between %s and %s", pkg, other, module).isNull();
      }

      try (JarFile sources = new JarFile(target.resolve(base + "-sources.jar").toFile())) {
        assertThat(sources.stream().map(ZipEntry::getName)).as(module + " sources")
            .anyMatch(n -> n.endsWith(".java"));
      }
      try (JarFile javadoc = new JarFile(target.resolve(base + "-javadoc.jar").toFile())) {
        List<String> pages = javadoc.stream().map(ZipEntry::getName).toList();
        assertThat(pages).as(module + " Javadoc").contains("index.html").noneMatch(n -> n.contains("/internal/"));
        descriptor.packages().stream().filter(p -> !p.contains(".internal")).forEach(p ->
            assertThat(pages).as(module + " Javadoc of " + p)
                .anyMatch(n -> n.endsWith("/" + p.replace('.', '/') + "/package-summary.html")));
      }
    }
  }

  /** The reactor's jar modules that are deployed: all but those that set maven.deploy.skip. */
  private static List<String> published() throws Exception {
    List<String> out = new ArrayList<>();
    for (Element m : children(child(pom(ROOT.resolve("pom.xml")), "modules"), "module")) {
      String module = m.getTextContent().trim();
      Element pom = pom(ROOT.resolve(module).resolve("pom.xml"));
      boolean isBom = "pom".equals(text(pom, "packaging"));
      Element props = child(pom, "properties");
      boolean skipped = props != null && "true".equals(text(props, "maven.deploy.skip"));
      if (!isBom && !skipped) {
        out.add(module);
      }
    }
    assertThat(out).contains("vm-core", "vm-testkit", "vm-aws");
    return out;
  }

  private static Element pom(Path file) throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    try {
      Document d = f.newDocumentBuilder().parse(file.toFile());
      return d.getDocumentElement();
    } catch (IOException e) {
      throw new AssertionError(file + " cannot be read", e);
    }
  }

  private static Element child(Element parent, String name) {
    if (parent == null) {
      return null;
    }
    List<Element> found = children(parent, name);
    return found.isEmpty() ? null : found.get(0);
  }

  private static List<Element> children(Element parent, String name) {
    List<Element> out = new ArrayList<>();
    NodeList nodes = parent == null ? null : parent.getChildNodes();
    for (int i = 0; nodes != null && i < nodes.getLength(); i++) {
      Node n = nodes.item(i);
      if (n instanceof Element e && e.getTagName().equals(name)) {
        out.add(e);
      }
    }
    return out;
  }

  private static String text(Element parent, String name) {
    Element e = child(parent, name);
    return e == null ? null : e.getTextContent().trim();
  }
}
