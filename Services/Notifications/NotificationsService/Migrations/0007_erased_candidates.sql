-- Contact data arriving for a candidate already erased is stored blank (see erased_candidates).
CREATE TRIGGER contacts_forget_erased BEFORE INSERT OR UPDATE ON contacts
    FOR EACH ROW EXECUTE FUNCTION forget_erased_candidate('candidate_id', 'name', 'email');
