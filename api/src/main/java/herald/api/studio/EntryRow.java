package herald.api.studio;

import java.util.List;

/** One row of an entry list in Studio. */
public record EntryRow(
    String id,
    String title,
    String status,
    List<String> locales,
    String updatedAt,
    List<String> channels) {}
