-- An attempt of a candidate already erased (a booking event still in flight) is stored without their name and address.
CREATE TRIGGER attempts_forget_erased BEFORE INSERT OR UPDATE OF candidate_name, candidate_email ON attempts
    FOR EACH ROW EXECUTE FUNCTION forget_erased_candidate('candidate_id', 'candidate_name', 'candidate_email');
