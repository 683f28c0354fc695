-- Candidates whose personal data this service erased. What arrives about them afterwards (a message
-- already in flight, a purchase sent again) is stored without it, and dead letters naming them go.
CREATE TABLE erased_candidates (
    candidate_id text PRIMARY KEY,
    erased_at timestamptz NOT NULL,
    dead_letters_scrubbed_at timestamptz
);
CREATE INDEX erased_candidates_to_scrub ON erased_candidates (erased_at) WHERE dead_letters_scrubbed_at IS NULL;

-- Blanks the contact columns of a row about an erased candidate, whichever code path writes it.
-- Arguments: the column holding the candidate's external id, then the columns to blank.
CREATE FUNCTION forget_erased_candidate() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    blanks jsonb := '{}';
BEGIN
    IF EXISTS (SELECT 1 FROM erased_candidates WHERE candidate_id = to_jsonb(NEW) ->> TG_ARGV[0]) THEN
        FOR i IN 1 .. TG_NARGS - 1 LOOP
            blanks := blanks || jsonb_build_object(TG_ARGV[i], '');
        END LOOP;
        NEW := jsonb_populate_record(NEW, blanks);
    END IF;
    RETURN NEW;
END
$$;
