MODULE BenchGreet;

	IMPORT StdLog;

	PROCEDURE Greet* (IN name: ARRAY OF CHAR);
	BEGIN
	END Greet;

END BenchGreet.
