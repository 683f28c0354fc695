-- A candidate already erased is not learned again from a message still in flight: stored blank.
CREATE TRIGGER candidates_forget_erased BEFORE INSERT OR UPDATE ON candidates
    FOR EACH ROW EXECUTE FUNCTION forget_erased_candidate('candidate_id', 'name', 'email');
