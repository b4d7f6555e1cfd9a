MODULE BenchHe2;

	(* Wrong: rounds to the nearest integer instead of taking the integer part. *)
	PROCEDURE TruncateNumber* (number: REAL): REAL;
	BEGIN
		RETURN number - ENTIER(number + 0.5)
	END TruncateNumber;

END BenchHe2.
