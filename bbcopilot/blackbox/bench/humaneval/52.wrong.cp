MODULE BenchHe52;

	(* Wrong: a number equal to the threshold counts as below it. *)
	PROCEDURE BelowThreshold* (IN l: ARRAY OF INTEGER; t: INTEGER): BOOLEAN;
		VAR i: INTEGER;
	BEGIN
		FOR i := 0 TO LEN(l) - 1 DO
			IF l[i] > t THEN RETURN FALSE END
		END;
		RETURN TRUE
	END BelowThreshold;

END BenchHe52.
