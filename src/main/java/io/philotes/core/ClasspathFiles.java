package io.philotes.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * Lists and reads the files of one resource folder (not its subfolders), whether the classes run from a folder (tests)
 * or from the jar (production, the runtime image). No zip file system is needed.
 */
public final class ClasspathFiles {
    private ClasspathFiles() {
    }

    /**
     * Text files directly inside a folder, sorted by name.
     *
     * @param folder resource folder, e.g. {@code sql/migrations}
     * @param suffix file name ending to keep
     * @return file name and content pairs
     */
    public static List<NamedText> read(String folder, String suffix) {
        ClassLoader loader = ClasspathFiles.class.getClassLoader();
        URL url = loader.getResource(folder);
        if (url == null) {
            throw new IllegalStateException("Resource folder " + folder + " is missing from the class path");
        }
        List<String> names = new ArrayList<>();
        try {
            if ("jar".equals(url.getProtocol())) {
                JarURLConnection connection = (JarURLConnection) url.openConnection();
                connection.setUseCaches(false);
                try (JarFile jar = connection.getJarFile()) {
                    String prefix = folder + "/";
                    Enumeration<JarEntry> entries = jar.entries();
                    while (entries.hasMoreElements()) {
                        JarEntry entry = entries.nextElement();
                        String name = entry.getName();
                        if (!entry.isDirectory() && name.startsWith(prefix) && name.endsWith(suffix) && name.indexOf('/', prefix.length()) < 0) {
                            names.add(name.substring(prefix.length()));
                        }
                    }
                }
            } else {
                try (Stream<Path> files = Files.list(Path.of(url.toURI()))) {
                    files.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).filter(n -> n.endsWith(suffix)).forEach(names::add);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + folder, e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException("Cannot list " + folder, e);
        }
        names.sort(null);
        List<NamedText> result = new ArrayList<>();
        for (String name : names) {
            try (InputStream in = loader.getResourceAsStream(folder + "/" + name)) {
                if (in == null) {
                    throw new IllegalStateException("Cannot read " + folder + "/" + name);
                }
                result.add(new NamedText(name, new String(in.readAllBytes(), StandardCharsets.UTF_8)));
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot read " + folder + "/" + name, e);
            }
        }
        return result;
    }

    /**
     * A file's name and text.
     *
     * @param name file name without folder
     * @param text UTF-8 content
     */
    public record NamedText(String name, String text) {
    }
}
