-- Contact data arriving for a candidate already erased is stored blank (see erased_candidates).
CREATE TRIGGER candidates_forget_erased BEFORE INSERT OR UPDATE ON candidates
    FOR EACH ROW EXECUTE FUNCTION forget_erased_candidate('external_id', 'name', 'email');
