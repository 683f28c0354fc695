-- Contact data arriving for a candidate already erased (a purchase sent again) is stored blank.
CREATE TRIGGER candidates_forget_erased BEFORE INSERT OR UPDATE ON candidates
    FOR EACH ROW EXECUTE FUNCTION forget_erased_candidate('external_id', 'first_name', 'last_name', 'email');
