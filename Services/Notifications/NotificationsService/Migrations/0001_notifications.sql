-- The notifications service's schema. Its tables arrive with the service's own issue; the outbox and inbox
-- come from the shared kit's migrations.
COMMENT ON SCHEMA notifications IS 'ExamHall notifications service';
