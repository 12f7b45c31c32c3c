package io.philotes.crypto;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Files in the data directory that hold a secret (the first admin key, generated keys and passwords): created
 * with mode 0600 from the start, never readable by others for a moment, and written whole or not at all.
 */
public final class PrivateFiles {
    private static final System.Logger LOG = System.getLogger(PrivateFiles.class.getName());
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private PrivateFiles() {
    }

    /**
     * The file's text, creating it first when it does not exist. When two processes race, both read the
     * one that was created first.
     *
     * @param file    the file
     * @param content the text for a new file
     * @return the file's text, trimmed
     */
    public static String readOrCreate(Path file, Supplier<String> content) {
        try {
            if (!Files.exists(file)) {
                Path temporary = writeTemporary(file, content.get());
                try {
                    Files.createLink(file, temporary);
                } catch (FileAlreadyExistsException raced) {
                    // another process created it first: use theirs
                } finally {
                    Files.deleteIfExists(temporary);
                }
            }
            ownerOnly(file);
            return Files.readString(file, StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(file + " cannot be read or created: " + e.getMessage(), e);
        }
    }

    /**
     * Writes the file, replacing what it held, in one atomic step.
     *
     * @param file the file
     * @param text its new text
     */
    public static void replace(Path file, String text) {
        try {
            Path temporary = writeTemporary(file, text);
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(file + " cannot be written: " + e.getMessage(), e);
        }
    }

    /* Written and on disk before it is linked or moved into place, so a crash never leaves an empty file. */
    private static Path writeTemporary(Path file, String text) throws IOException {
        Path directory = file.toAbsolutePath().getParent();
        Files.createDirectories(directory);
        Path temporary = Files.createTempFile(directory, "." + file.getFileName(), ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap((text + "\n").getBytes(StandardCharsets.UTF_8)));
            channel.force(true);
        }
        return temporary;
    }

    /* A secret file someone made readable by others is made private again, and the log says so. */
    private static void ownerOnly(Path file) throws IOException {
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
        if (!mode.equals(OWNER_ONLY)) {
            Files.setPosixFilePermissions(file, OWNER_ONLY);
            LOG.log(System.Logger.Level.WARNING, "{0} had mode {1}; it holds a secret, so it is now rw------- (0600)", file,
                    PosixFilePermissions.toString(mode));
        }
    }
}
