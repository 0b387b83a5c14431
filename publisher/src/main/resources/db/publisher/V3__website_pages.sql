-- What is published on the website, one row per entry and locale: the index pages, tag pages and
-- sitemap.xml are rebuilt from it, and references (speakers, organisers) are resolved to names.
CREATE TABLE website_page (
    entry_id      uuid        NOT NULL,
    locale        text        NOT NULL,
    version       bigint      NOT NULL,
    content_type  text        NOT NULL,
    slug          text        NOT NULL,
    title         text        NOT NULL,
    summary       text,
    -- First publication: republishing a correction does not move an entry to the top.
    published_at  timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    tags          text[]      NOT NULL DEFAULT '{}',
    PRIMARY KEY (entry_id, locale)
);

-- Index pages: newest first within a locale.
CREATE INDEX website_page_locale_idx ON website_page (locale, published_at DESC, entry_id);
-- Tag pages.
CREATE INDEX website_page_tags_idx ON website_page USING gin (tags);
