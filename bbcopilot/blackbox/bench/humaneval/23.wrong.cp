MODULE BenchHe23;

	(* Wrong: the length of the array, which counts the terminating 0X and any room after it. *)
	PROCEDURE Strlen* (IN string0: ARRAY OF CHAR): INTEGER;
	BEGIN
		RETURN LEN(string0)
	END Strlen;

END BenchHe23.
