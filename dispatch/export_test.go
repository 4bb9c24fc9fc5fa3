package dispatch

// SMSText is smsText, for the tests of the page message.
var SMSText = smsText

// CurrentAndNext is currentAndNext, for its table test.
var CurrentAndNext = currentAndNext

// ShiftLength is shiftLength, for its table test.
var ShiftLength = shiftLength
