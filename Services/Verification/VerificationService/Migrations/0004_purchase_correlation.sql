-- The correlation id of the purchase an authorization came from, so that the result sent back for it
-- carries the same one and the payment system can tie the two together.
ALTER TABLE authorizations ADD COLUMN correlation_id text;
